"""Candidate pairs: rows that share a block (an e-mail, a phone, a surname and a postal code,
...) and sit near each other when the block is sorted. Many small passes, each bounded by its
window, cover every kind of list (people with only a name and a phone or an address, companies
with only a name and an address, lists without company) at near-linear cost."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.processing.blocking import codes, join_keys, window_pairs
from app.processing.features import Features, IntArray


@dataclass(frozen=True)
class Pass:
    """Rows with equal block features, sorted by `order`, each paired with its next `window`."""

    block: tuple[str, ...]
    order: str
    window: int


PEOPLE_PASSES = (
    Pass(("email",), "surname", 8),
    Pass(("linkedin",), "surname", 8),
    Pass(("phone",), "full name", 8),
    Pass(("surname", "initial"), "given", 3),
    Pass(("surname", "company"), "given", 8),
    Pass(("surname", "company_domain"), "given", 8),
    Pass(("surname", "postal"), "given", 8),
    Pass(("given", "postal"), "surname", 8),
    Pass(("given", "company"), "surname", 6),
    Pass(("given", "city"), "surname", 3),
    Pass(("postal", "street_number"), "full name", 8),
    Pass(("street",), "full name", 8),
    Pass(("surname", "street_number"), "given", 8),
    Pass(("surname", "city"), "given", 4),
    # the whole list in name order: typos in both name parts, next neighbours only
    Pass((), "full name", 2),
    Pass((), "reversed name", 2),
)
COMPANY_PASSES = (
    Pass(("domain",), "name", 8),
    Pass(("linkedin",), "name", 8),
    Pass(("phone",), "name", 8),
    Pass(("street",), "name", 8),
    Pass(("postal", "street_number"), "name", 8),
    Pass(("city", "first_word"), "name", 8),
    Pass((), "name", 4),
    Pass((), "reversed name", 4),
)


def _derived(features: Features) -> dict[str, Callable[[], pa.Array | None]]:
    """Block and order keys made from the features."""

    def given_initial() -> pa.Array | None:
        given = features.get("given")
        return None if given is None else pc.utf8_slice_codeunits(given, 0, 1)

    def full_name() -> pa.Array | None:
        if features.table_type == "company":
            return features.get("name")
        parts = [c for c in (features.get("surname"), features.get("given")) if c is not None]
        if not parts:
            return None
        filled = [pc.fill_null(c, "") for c in parts]
        joined = pc.binary_join_element_wise(*filled, " ") if len(filled) > 1 else filled[0]
        return pc.if_else(pc.equal(pc.utf8_trim(joined, " "), ""), None, joined)

    def reversed_name() -> pa.Array | None:
        name = full_name()
        return None if name is None else pc.utf8_reverse(name)

    return {
        "initial": given_initial,
        "full name": full_name,
        "reversed name": reversed_name,
    }


def candidate_pairs(
    features: Features, labels: pa.Array, focus: pa.Array | None = None
) -> tuple[IntArray, IntArray]:
    """(a, b) row pairs, a < b, in different clusters (touching a focused row, with focus),
    each once, in row order."""
    passes = COMPANY_PASSES if features.table_type == "company" else PEOPLE_PASSES
    derived = _derived(features)
    cache: dict[str, pa.Array | None] = {}

    def column(name: str) -> pa.Array | None:
        if name not in cache:
            cache[name] = derived[name]() if name in derived else features.get(name)
        return cache[name]

    empty = np.zeros(0, np.int64)

    def run(one: Pass) -> tuple[IntArray, IntArray]:
        order = column(one.order)
        parts = [column(name) for name in one.block]
        if order is None or any(p is None for p in parts):
            return empty, empty
        if focus is not None and not parts:
            return empty, empty  # a grown cluster's new neighbours are in its blocks
        block = codes(join_keys(*parts)) if parts else None
        return window_pairs(order, labels, block_codes=block, window=one.window, focus=focus)

    for name in {n for p in passes for n in (*p.block, p.order)}:
        column(name)  # built once, before the threads share the cache
    with ThreadPoolExecutor(2) as pool:  # Arrow sorting and hashing release the lock
        found = list(pool.map(run, passes))
    a = np.concatenate([x for x, _ in found]) if found else empty
    b = np.concatenate([y for _, y in found]) if found else empty
    flat = np.unique(a * features.size + b)
    return flat // features.size, flat % features.size
