"""Finding duplicate rows by weighing evidence: candidate pairs from blocks, each compared on
every field both rows have, weighed by a model estimated from the job's own rows, joined best
first unless the two clusters hold evidence against each other."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import filled_with, row_numbers
from app.processing.candidates import candidate_pairs
from app.processing.clusters import Edge, IntArray, Joins, UnionFind
from app.processing.comparisons import MISSING, comparisons_for
from app.processing.conflicts import Conflicts
from app.processing.errors import Cancelled
from app.processing.features import Features, build_features
from app.processing.model import (
    FloatArray,
    Levels,
    Model,
    WeightArray,
    estimate,
    hopeful_levels,
)
from app.processing.options import MergeOptions

Progress = Callable[[str, int, int], None]
_ROUNDS = 3
_SETTLE_ROUNDS = 2
_SETTLE_ROWS = 20_000
_NEAR_MISS_BITS = 4.0
_LOWEST_THRESHOLD = 50  # pairs this close below the threshold are possible duplicates
_MAX_NEAR_MISSES = 1000


@dataclass(frozen=True)
class Explanation:
    """Why two rows were joined, or nearly: each field's level and weight, the total."""

    a: int
    b: int
    fields: dict[str, tuple[str, float]]  # comparison -> (level, weight in bits)
    total: float
    probability: float
    refused: str | None = None  # why a pair above the threshold was not joined

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "total": round(self.total, 2),
            "probability": round(self.probability, 4),
            "fields": {
                k: {"level": lv, "weight": round(w, 2)} for k, (lv, w) in self.fields.items()
            },
        }
        if self.refused:
            out["refused"] = self.refused
        return out


@dataclass(frozen=True)
class DedupeResult:
    """Each row's cluster label (the cluster's first row), the joins that built the clusters,
    why each join was made, and the near misses."""

    label_array: pa.Array  # int64, one label per row
    joins: Joins
    explanations: dict[tuple[int, int], Explanation] = field(default_factory=dict)
    near_misses: list[Explanation] = field(default_factory=list)

    @property
    def labels(self) -> list[int]:
        """The labels as a list."""
        return self.label_array.to_pylist()  # type: ignore[no-any-return]

    @property
    def edges(self) -> tuple[Edge, ...]:
        """The joins one by one."""
        return self.joins.edges()

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DedupeResult)
            and self.label_array.equals(other.label_array)
            and self.joins == other.joins
        )


def dedupe(
    table: pa.Table,
    *,
    mappings: Mapping[str, Any],
    options: MergeOptions,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    is_clean: bool = False,
) -> DedupeResult:
    """Cluster rows that are the same person or company, by the weight of their evidence."""
    total_steps = 3 + _ROUNDS + _SETTLE_ROUNDS
    done = 0

    def step() -> None:
        nonlocal done
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("The job was cancelled.")
        done += 1
        if progress is not None:
            progress("dedupe", min(done, total_steps), total_steps)

    features = build_features(table, mappings, options.table_type, is_clean=is_clean)
    uf = UnionFind(table.num_rows)
    step()
    comparisons = comparisons_for(features)
    if not comparisons or table.num_rows < 2:
        done = total_steps - 1
        step()
        return DedupeResult(uf.label_array(), uf.joins())
    labels = uf.label_array()
    candidates = candidate_pairs(features, labels)
    model = estimate(comparisons, features, candidates)
    step()
    completeness = _completeness(table)
    # below an even chance a pair is no match by its own model: the threshold stops there
    threshold = max(options.threshold, _LOWEST_THRESHOLD) / 100
    run = _Run(uf, model, features, threshold, completeness.to_numpy())
    filled, focus = features, None
    settled = 0
    # a fixed point matters for lists a person can read through; a long list is not weighed
    # by the same model twice anyway (its own rows re-estimate it)
    settle_rounds = _SETTLE_ROUNDS if table.num_rows < _SETTLE_ROWS else 0
    for round_number in range(_ROUNDS + settle_rounds):
        if round_number:
            filled = _fill_by_cluster(features, labels, completeness, filled, focus)
            settling = round_number >= _ROUNDS or (focus is None and settle_rounds > 0)
            if settling:
                # rarity as the records show it, and every pair again: a fixed point, so
                # that deduplicating the output finds nothing more
                roots = labels.to_numpy() == np.arange(len(labels))
                run.model = model.retuned(filled, roots)
                settled += 1
            candidates = candidate_pairs(filled, labels, None if settling else focus)
        joined = run.join(filled, *candidates)
        step()
        if not joined:
            if not settle_rounds or (round_number and settled):
                break
            focus = None  # nothing grew: settle on every pair
            continue
        grown = uf.label_array()
        focus = pc.is_in(grown, value_set=pc.unique(grown.filter(pc.not_equal(grown, labels))))
        labels = grown
    done = total_steps - 1
    step()
    final = uf.label_array()
    return DedupeResult(final, uf.joins(), run.explanations, run.near_misses(final))


class _Run:
    """The joins of one dedupe: pairs weighed, accepted best first, conflicts refused."""

    def __init__(
        self,
        uf: UnionFind,
        model: Model,
        features: Features,
        threshold: float,
        completeness: np.ndarray,
    ):
        self.uf, self.model = uf, model
        self.threshold = model.weight_for(threshold)
        self.conflicts = Conflicts(features, completeness, _given_names_decide(model))
        self.explanations: dict[tuple[int, int], Explanation] = {}
        self._near: dict[tuple[int, int], Explanation] = {}

    def join(self, features: Features, a: IntArray, b: IntArray) -> bool:
        """Weigh the pairs and join those above the threshold; True when any joined."""
        if not len(a):
            return False
        # just below the threshold, or at least as likely a match as not
        floor = min(self.threshold - _NEAR_MISS_BITS, self.model.weight_for(0.5))
        a, b, levels = hopeful_levels(self.model, features, a, b, floor)
        weights = self.model.weights(features, levels, a)
        total = weights.sum(axis=1, dtype=np.float64)
        near = np.flatnonzero(
            (total < self.threshold) & (total >= self.threshold - _NEAR_MISS_BITS)
        )
        for k in near[np.argsort(-total[near], kind="stable")][:_MAX_NEAR_MISSES].tolist():
            self._remember_near(levels, weights, total, a, b, k, None)
        above = np.flatnonzero(total >= self.threshold)
        order = above[np.lexsort((b[above], a[above], -total[above]))]
        joined = False
        uf = self.uf
        for k in order.tolist():
            x, y = int(a[k]), int(b[k])
            rx, ry = uf.find(x), uf.find(y)
            if rx == ry:
                continue
            reason = self.conflicts.between(rx, ry)
            if reason is not None:
                self._remember_near(levels, weights, total, a, b, k, reason)
                continue
            explanation = self._explain(levels, weights, total, x, y, k)
            uf.union(x, y, _rule(explanation), round(explanation.probability * 100))
            self.conflicts.merge(rx, ry, uf.find(x))
            self.explanations[(x, y)] = explanation
            joined = True
        return joined

    def _explain(
        self,
        levels: Levels,
        weights: WeightArray,
        total: FloatArray,
        x: int,
        y: int,
        k: int,
        refused: str | None = None,
    ) -> Explanation:
        fields = {}
        for j, comparison in enumerate(self.model.comparisons):
            level = int(levels[k, j])
            if level != MISSING:
                fields[comparison.name] = (comparison.levels[level], float(weights[k, j]))
        probability = float(self.model.probability(np.array([total[k]]))[0])
        return Explanation(x, y, fields, float(total[k]), probability, refused)

    def _remember_near(
        self,
        levels: Levels,
        weights: WeightArray,
        total: FloatArray,
        a: IntArray,
        b: IntArray,
        k: int,
        reason: str | None,
    ) -> None:
        """Keep a near miss; when the list is full, a better one (or one refused for a
        conflict, the ones most worth a look) takes the place of the weakest."""
        key = (int(a[k]), int(b[k]))
        if key in self._near and self._near[key].refused and not reason:
            return
        if key not in self._near and len(self._near) >= 2 * _MAX_NEAR_MISSES:
            weakest = min(
                self._near, key=lambda p: (self._near[p].refused is not None, self._near[p].total)
            )
            worst = self._near[weakest]
            if (worst.refused is not None, worst.total) >= (reason is not None, float(total[k])):
                return
            del self._near[weakest]
        self._near[key] = self._explain(levels, weights, total, *key, k, reason)

    def near_misses(self, labels: pa.Array) -> list[Explanation]:
        """Pairs just below the threshold, or refused for a conflict, still in two records."""
        label = labels.to_numpy()
        apart = [e for e in self._near.values() if label[e.a] != label[e.b]]
        apart.sort(key=lambda e: (-e.total, e.a, e.b))
        return apart[:_MAX_NEAR_MISSES]


_IDENTIFIERS = ("e-mail", "LinkedIn", "domain", "phone")
_STRONG_AGAINST = -3.0  # bits: a level weighing this little is evidence a person would heed


def _given_names_decide(model: Model) -> bool:
    """Whether different given names weigh strongly against a match in this job's data."""
    for comparison, weights in zip(model.comparisons, model.level_weights(), strict=True):
        if comparison.feature == "given":
            return float(weights[comparison.levels.index("different")]) <= _STRONG_AGAINST
    return True


def _rule(explanation: Explanation) -> str:
    """The report's name for a join: an identifier that matched exactly, else the field whose
    agreement weighed most."""
    exact = [n for n in _IDENTIFIERS if explanation.fields.get(n, ("", 0.0))[0] == "exact"]
    if exact:
        return _rule_name(exact[0])
    best = max(explanation.fields.items(), key=lambda item: item[1][1], default=None)
    return "evidence" if best is None else _rule_name(best[0])


def _rule_name(name: str) -> str:
    return {
        "given name": "name",
        "surname": "name",
        "e-mail": "email",
        "LinkedIn": "linkedin",
        "postal code": "postal_code",
        "job title": "title",
    }.get(name, name.replace(" ", "_"))


def _completeness(table: pa.Table) -> pa.Array:
    """Filled cells per row: smart merge keeps the most complete row, so fills prefer it."""
    filled = filled_with(0, table.num_rows)
    for name in table.column_names:
        filled = pc.add(filled, pc.cast(pc.is_valid(table.column(name)), pa.int64()))
    return filled


def _fill_by_cluster(
    features: Features,
    labels: pa.Array,
    completeness: pa.Array,
    previous: Features,
    focus: pa.Array | None,
) -> Features:
    """Features with each row's gaps filled from its cluster, as smart merge would fill them
    (only the focused rows, the clusters that grew, are recomputed)."""
    rows = row_numbers(len(labels))
    joined = pc.unique(labels.filter(pc.not_equal(labels, rows)))
    members = pc.is_in(labels, value_set=joined)
    if focus is not None:
        members = pc.and_(members, focus)
    member_rows, member_labels = rows.filter(members), labels.filter(members)
    if len(member_rows) == 0:
        return previous
    order = pc.sort_indices(
        pa.table({"l": member_labels, "c": completeness.filter(members), "r": member_rows}),
        sort_keys=[("l", "ascending"), ("c", "descending"), ("r", "ascending")],
    )
    sorted_labels = member_labels.take(order)

    def fill(name: str) -> tuple[str, pa.Array]:
        key, current = features.columns[name], previous.columns[name]
        own = key.filter(members)
        values = own.take(order)
        valid = pc.is_valid(values)
        with_value = sorted_labels.filter(valid)
        firsts = pc.unique(with_value)  # sorted: each label's preferred value comes first
        first_value = values.filter(valid).take(pc.index_in(firsts, value_set=with_value))
        filled = pc.coalesce(own, first_value.take(pc.index_in(member_labels, value_set=firsts)))
        return name, pc.replace_with_mask(current, members, filled)

    with ThreadPoolExecutor(2) as pool:  # independent columns; Arrow releases the GIL
        return previous.replaced(dict(pool.map(fill, list(features.columns))))
