"""Fuzzy scores of candidate row pairs, computed by rapidfuzz a column at a time."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from app.processing.clusters import IntArray
from app.processing.keys import MatchKeys

_WORKERS = 2  # rapidfuzz scores in native threads


def name_scores(column: pa.Array, a: IntArray, b: IntArray) -> IntArray:
    """token_sort_ratio of the values of rows a and b, truncated to whole numbers."""
    left = column.take(pa.array(a)).to_pylist()
    right = column.take(pa.array(b)).to_pylist()
    scores = process.cpdist(
        left, right, scorer=fuzz.token_sort_ratio, dtype=np.float64, workers=_WORKERS
    )
    return np.asarray(scores).astype(np.int64)


def same_companies(keys: MatchKeys, a: IntArray, b: IntArray, threshold: int) -> np.ndarray:
    """True where rows a and b share a company domain, or their company names score at least
    the threshold."""
    same = np.zeros(len(a), np.bool_)
    if keys.company_domain is not None:
        domain = keys.company_domain
        equal = pc.equal(domain.take(pa.array(a)), domain.take(pa.array(b)))
        same |= pc.fill_null(equal, False).to_numpy(zero_copy_only=False)
    if keys.company_name is not None:
        company = keys.company_name
        known = pc.and_(
            pc.is_valid(company.take(pa.array(a))), pc.is_valid(company.take(pa.array(b)))
        )
        open_pairs = np.flatnonzero(~same & known.to_numpy(zero_copy_only=False))
        scores = name_scores(company, a[open_pairs], b[open_pairs])
        same[open_pairs] = scores >= threshold
    return same


def scored_pairs(
    keys: MatchKeys, candidates: dict[tuple[int, int], bool], threshold: int, people: bool
) -> list[tuple[int, int, int]]:
    """(-score, a, b) of the candidates whose names match (people: at the same company, unless
    the block proved it), best first."""
    assert keys.name is not None
    if not candidates:
        return []
    pairs = np.array(list(candidates), dtype=np.int64)
    proven = np.fromiter(candidates.values(), dtype=np.bool_, count=len(candidates))
    a, b = pairs[:, 0], pairs[:, 1]
    scores = name_scores(keys.name, a, b)
    keep = scores >= threshold
    if people:
        unproven = np.flatnonzero(keep & ~proven)
        keep[unproven] = same_companies(keys, a[unproven], b[unproven], threshold)
    negative, a, b = -scores[keep], a[keep], b[keep]
    order = np.lexsort((b, a, negative))
    return list(zip(negative[order].tolist(), a[order].tolist(), b[order].tolist(), strict=True))
