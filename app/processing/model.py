"""Weighing evidence (the Fellegi-Sunter model that splink and dedupe use), from the job's data.

For each comparison level: m = how often it occurs among matches, u = among random pairs; the
level weighs log2(m / u) bits. u is counted on random pairs of the job's rows; m is estimated
by expectation-maximisation over the candidate pairs; both start from priors that small lists
cannot outweigh. An exact match on a value weighs as much as the value is rare (a shared rare
surname says much, "Smith" little; a domain or phone shared by many differently named rows, a
switchboard or an agency, says little). A pair's match probability takes the prior chance that
two rows of this list are one entity into account: the more rows, the more evidence it takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.processing.comparisons import MISSING, Comparison
from app.processing.features import Features, IntArray

FloatArray = npt.NDArray[np.float64]
WeightArray = npt.NDArray[np.float32]
Levels = npt.NDArray[np.int8]  # pairs x comparisons

_RANDOM_PAIRS = 40_000
_U_PSEUDO_PAIRS = 1_000  # priors count as this many random pairs
# 40,000 random pairs that show no shared e-mail say its rate is below 1 in 40,000, not that
# it is far below the prior's: an estimate stays above a quarter of what the pairs can resolve
_U_RESOLUTION = 4.0
_M_PSEUDO_PAIRS = 30  # ... and as this many matches
_TF_MAX_GAIN = 6.0  # a rare value weighs at most this many bits more than an average one
_EM_ROUNDS = 8
_EM_PAIRS = 100_000
_LEARN_ROWS = 1_000  # lists shorter than this are weighed by the priors alone
_SMALL_LIST_SHARE = 0.1  # ... with a tenth of their rows taken as duplicates
_SEED = 20261201
# the share of a list's rows that are duplicates, at least and at most, for the prior
_DUPLICATE_SHARE = (0.01, 0.5)
# The prior is that of a list of at least this many rows: in a short list a shared name is as
# much a coincidence as in a typical export, not a likely match because the list is short.
_PRIOR_ROWS = 5_000


@dataclass(frozen=True)
class ValueU:
    """u of an exact match on each value (a value not seen when estimating takes the last)."""

    values: pa.Array
    u: FloatArray  # one more than values: the u of an unseen value


@dataclass(frozen=True)
class Model:
    """Estimated m and u per comparison level, term frequencies, and the prior."""

    comparisons: tuple[Comparison, ...]
    m: tuple[FloatArray, ...]
    u: tuple[FloatArray, ...]
    value_u: tuple[ValueU | None, ...]  # per comparison: u of an exact match on each value
    prior_bits: float  # log2 odds that two rows of this list are one entity

    def retuned(self, features: Features, rows: npt.NDArray[np.bool_]) -> Model:
        """The model with term frequencies counted on some rows only (the records that
        clusters have become: a value's rarity is judged as the output will show it)."""
        value_u = tuple(
            _value_u(c, features, float(u[0]), rows)
            for c, u in zip(self.comparisons, self.u, strict=True)
        )
        return Model(self.comparisons, self.m, self.u, value_u, self.prior_bits)

    def level_weights(self) -> tuple[FloatArray, ...]:
        """log2(m / u) of each level, without term frequencies."""
        return tuple(np.log2(m / u) for m, u in zip(self.m, self.u, strict=True))

    def weights(self, features: Features, levels: Levels, a: IntArray) -> WeightArray:
        """Each pair's weight per comparison (0 where a side is missing)."""
        out = np.zeros(levels.shape, np.float32)  # bits to a hundredth: half the memory
        for k, (comparison, w) in enumerate(
            zip(self.comparisons, self.level_weights(), strict=True)
        ):
            column = levels[:, k]
            known = column != MISSING
            out[known, k] = w[column[known]]
            value_u = self.value_u[k]
            values = features.get(comparison.feature)
            if value_u is not None and values is not None:
                exact = np.flatnonzero(column == 0)
                at = pc.index_in(values.take(pa.array(a[exact])), value_set=value_u.values)
                u = value_u.u[pc.fill_null(at, len(value_u.u) - 1).to_numpy()]
                # a common value still weighs at least what a close one does
                floor = float(w[1:].max()) if len(w) > 1 else float("-inf")
                out[exact, k] = np.maximum(np.log2(self.m[k][0] / u), floor)
        return out

    def probability(self, total: FloatArray) -> FloatArray:
        """Match probability of pairs with these total weights."""
        return 1.0 / (1.0 + np.exp2(-(total + self.prior_bits)))

    def weight_for(self, probability: float) -> float:
        """The total weight a pair needs for a match probability."""
        p = min(max(probability, 1e-9), 1 - 1e-9)
        return float(np.log2(p / (1 - p)) - self.prior_bits)


def levels_of(
    comparisons: tuple[Comparison, ...], features: Features, a: IntArray, b: IntArray
) -> Levels:
    """The level of every pair on every comparison."""
    out = np.empty((len(a), len(comparisons)), np.int8)
    for k, comparison in enumerate(comparisons):
        out[:, k] = comparison.compute(features, a, b)
    return out


def hopeful_levels(
    model: Model, features: Features, a: IntArray, b: IntArray, floor: float
) -> tuple[IntArray, IntArray, Levels]:
    """The pairs that may weigh at least `floor`, with their levels: the names are weighed
    first, and a pair whose names rule it out (the most the other fields could add would not
    lift it to the floor) is not scored on the rest. Most candidates of a large list are such
    pairs, and the rest are the costly string comparisons."""
    comparisons = model.comparisons
    first = [k for k, c in enumerate(comparisons) if c.first]
    if not first or not len(a):
        return a, b, levels_of(comparisons, features, a, b)
    early = np.zeros((len(a), len(comparisons)), np.int8)
    early[:] = MISSING
    for k in first:
        early[:, k] = comparisons[k].compute(features, a, b)
    reach = model.weights(features, early, a).sum(axis=1, dtype=np.float64)
    level_weights = model.level_weights()
    for k, comparison in enumerate(comparisons):
        if k in first:
            continue
        known = np.zeros(len(a), np.bool_)
        for name in (comparison.feature, *comparison.also):
            codes = features.codes(name)
            known |= (codes[a] >= 0) & (codes[b] >= 0)
        gain = _TF_MAX_GAIN if comparison.term_frequency else 0.0
        reach += np.where(known, float(level_weights[k].max()) + gain, 0.0)
    keep = np.flatnonzero(reach >= floor)
    a, b = a[keep], b[keep]
    levels = early[keep]
    for k, comparison in enumerate(comparisons):
        if k not in first:
            levels[:, k] = comparison.compute(features, a, b)
    return a, b, levels


def estimate(
    comparisons: tuple[Comparison, ...],
    features: Features,
    candidates: tuple[IntArray, IntArray],
) -> Model:
    """The model of this job's rows, from random pairs and the candidate pairs.

    u counts levels among random pairs, each weighted by the chance it is no match (a random
    pair that is also a likely candidate match counts little); m comes from EM over the
    candidates; the two are estimated in turn.
    """
    n = features.size
    a, b = _sample(*candidates)
    m = tuple(np.asarray(c.m, np.float64) for c in comparisons)
    u = tuple(np.asarray(c.u, np.float64) for c in comparisons)
    if n < _LEARN_ROWS:  # too few rows to learn from: the priors decide
        value_u = tuple(_value_u(c, features, u[k][0]) for k, c in enumerate(comparisons))
        return Model(comparisons, m, u, value_u, _prior_bits(n, _SMALL_LIST_SHARE * n))
    levels = levels_of(comparisons, features, a, b)
    random_a, random_b = _random_pairs(n)
    random_levels = levels_of(comparisons, features, random_a, random_b)
    candidate_at = _positions(n, a, b, random_a, random_b)
    share = 0.1
    probability = np.zeros(len(a))
    for _ in range(2):
        non_match = np.ones(len(random_a))
        found = candidate_at >= 0
        non_match[found] = 1 - probability[candidate_at[found]]
        u = _estimate_u(comparisons, random_levels, non_match)
        for _ in range(_EM_ROUNDS):
            probability = _posterior(levels, m, u, share)
            m = _update_m(comparisons, levels, probability)
            share = float(np.clip(probability.mean(), 1e-4, 0.9)) if len(a) else share
        probability = _posterior(levels, m, u, share)
    value_u = tuple(_value_u(c, features, u[k][0]) for k, c in enumerate(comparisons))
    # the EM sample stands for every candidate: its expected matches are scaled up
    scale = len(candidates[0]) / max(len(a), 1)
    expected = float(probability.sum()) * scale
    return Model(comparisons, m, u, value_u, _prior_bits(n, expected))


def _sample(a: IntArray, b: IntArray) -> tuple[IntArray, IntArray]:
    """At most _EM_PAIRS of the candidates, in their order: enough to estimate m from."""
    if len(a) <= _EM_PAIRS:
        return a, b
    keep = np.sort(np.random.default_rng(_SEED).choice(len(a), _EM_PAIRS, replace=False))
    return a[keep], b[keep]


def _random_pairs(n: int) -> tuple[IntArray, IntArray]:
    """Random distinct row pairs, a < b (every pair, when there are few)."""
    if n * (n - 1) // 2 <= _RANDOM_PAIRS:
        a, b = np.triu_indices(n, 1)
        return a.astype(np.int64), b.astype(np.int64)
    rng = np.random.default_rng(_SEED)
    a = rng.integers(0, n, _RANDOM_PAIRS)
    b = rng.integers(0, n, _RANDOM_PAIRS)
    keep = a != b
    low, high = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    return low.astype(np.int64), high.astype(np.int64)


def _positions(n: int, a: IntArray, b: IntArray, x: IntArray, y: IntArray) -> IntArray:
    """Where each pair (x, y) is among the candidates (a, b), sorted by (a, b); -1 if not."""
    if len(a) == 0:
        return np.full(len(x), -1, np.int64)
    flat = a * n + b
    wanted = x * n + y
    at = np.minimum(np.searchsorted(flat, wanted), len(flat) - 1)
    return np.where(flat[at] == wanted, at, -1).astype(np.int64)


def _estimate_u(
    comparisons: tuple[Comparison, ...], levels: Levels, non_match: FloatArray
) -> tuple[FloatArray, ...]:
    out = []
    for k, comparison in enumerate(comparisons):
        prior = np.asarray(comparison.u, np.float64)
        column = levels[:, k]
        known = column != MISSING
        seen = np.bincount(column[known], weights=non_match[known], minlength=len(prior))
        estimate = (seen + _U_PSEUDO_PAIRS * prior) / (seen.sum() + _U_PSEUDO_PAIRS)
        resolved = np.minimum(prior, 1.0 / max(float(seen.sum()), 1.0)) / _U_RESOLUTION
        out.append(np.maximum(estimate, resolved))
    return tuple(out)


def _posterior(
    levels: Levels, m: tuple[FloatArray, ...], u: tuple[FloatArray, ...], share: float
) -> FloatArray:
    total = np.full(len(levels), np.log2(share / (1 - share)))
    for k in range(levels.shape[1]):
        column = levels[:, k]
        known = column != MISSING
        total[known] += np.log2(m[k] / u[k])[column[known]]
    probability: FloatArray = 1.0 / (1.0 + np.exp2(-total))
    return probability


def _update_m(
    comparisons: tuple[Comparison, ...], levels: Levels, probability: FloatArray
) -> tuple[FloatArray, ...]:
    out = []
    for k, comparison in enumerate(comparisons):
        prior = np.asarray(comparison.m, np.float64)
        column = levels[:, k]
        known = column != MISSING
        mass = np.bincount(column[known], weights=probability[known], minlength=len(prior))
        estimate = (mass + _M_PSEUDO_PAIRS * prior) / (mass.sum() + _M_PSEUDO_PAIRS)
        out.append(np.maximum(estimate, 1e-4))
    return tuple(out)


def _value_u(
    comparison: Comparison,
    features: Features,
    u_exact: float,
    rows: npt.NDArray[np.bool_] | None = None,
) -> ValueU | None:
    """u of an exact match on each value, shrunk towards the average as if the list had at
    least _PRIOR_ROWS rows.

    A value says as much as the distinct holders it has: a surname held by many different
    given names is common (Smith), one held by one is rare; a phone, a domain or an address
    held by dozens of different names is a switchboard, an agency, an office building, and
    says little; one held by one name is never shared by chance. Without a holder feature,
    how often the value occurs stands in.
    """
    if not comparison.term_frequency:
        return None
    codes = features.codes(comparison.feature)
    known = codes >= 0
    if rows is not None:
        known &= rows
    if not known.any():
        return None
    size = int(codes.max()) + 1
    holder = next((h for h in comparison.holders if features.get(h) is not None), None)
    if holder is not None:
        entity = features.codes(holder)
        held = known & (entity >= 0)
        span = int(entity.max()) + 1
        pairs = np.unique(codes[held] * span + entity[held]) // span
        holders = np.maximum(np.bincount(pairs, minlength=size), 1).astype(np.float64)
        total = float(len(np.unique(entity[held]))) if held.any() else 1.0
        value_u = (holders - 1 + _PRIOR_ROWS * u_exact) / (total + _PRIOR_ROWS)
    else:
        counts = np.bincount(codes[known], minlength=size).astype(np.float64)
        value_u = (counts + _PRIOR_ROWS * u_exact) / (float(known.sum()) + _PRIOR_ROWS)
    value_u = np.clip(value_u, u_exact / 2**_TF_MAX_GAIN, 1.0)
    return ValueU(features.dictionary(comparison.feature), np.append(value_u, u_exact))


def _prior_bits(n: int, expected_matches: float) -> float:
    """log2 odds that two rows of the list are one entity."""
    low, high = (share * n for share in _DUPLICATE_SHARE)
    share = min(max(expected_matches, low, 1e-9), max(high, 1.0)) / max(n, 1)
    rows = max(n, _PRIOR_ROWS)
    chance = min(share * rows / max(rows * (rows - 1) / 2, 1.0), 0.5)
    return float(np.log2(chance / (1 - chance)))
