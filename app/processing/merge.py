"""Smart merge: one record per cluster, the most complete row filled from the others."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import as_array, filled_with, row_numbers


@dataclass(frozen=True)
class MergeResult:
    """Output records in first-appearance order, with what merging filled and disagreed on."""

    table: pa.Table
    labels: list[int]  # output position -> cluster label (the cluster's first input row)
    fields_merged: int
    conflicts: dict[int, dict[str, list[str]]]  # label -> field -> distinct values


@dataclass(frozen=True)
class _Groups:
    """The rows of multi-row clusters, sorted by (cluster, preference)."""

    clusters: pa.Array  # labels of multi-row clusters, ascending
    rows: pa.Array  # their rows, sorted by cluster, then most complete first (smart)
    labels: pa.Array  # each sorted row's cluster label
    cluster_index: pa.Array  # each sorted row's position in `clusters`

    def first_valid(self, taken: pa.Array) -> pa.Array:
        """Per cluster (ascending), the first non-null of its sorted values, else null."""
        valid = pc.is_valid(taken)
        labels, taken = self.labels.filter(valid), taken.filter(valid)
        first = _run_starts(labels)
        at = pc.index_in(self.clusters, value_set=labels.filter(first))
        return taken.filter(first).take(at)


def _run_starts(sorted_labels: pa.Array) -> pa.Array:
    n = len(sorted_labels)
    if n == 0:
        return pa.array([], pa.bool_())
    changed = pc.not_equal(sorted_labels.slice(1), sorted_labels.slice(0, n - 1))
    return pa.concat_arrays([pa.array([True]), changed])


def merge_clusters(
    table: pa.Table, labels: Sequence[int] | pa.Array, *, smart: bool = True
) -> MergeResult:
    """Collapse each cluster to one record; with smart merge, fill its gaps from the others."""
    label_array = labels if isinstance(labels, pa.Array) else pa.array(labels, pa.int64())
    rows = row_numbers(table.num_rows)
    roots = rows.filter(pc.equal(label_array, rows))  # ascending = first-appearance order
    clusters = pc.unique(label_array.filter(pc.not_equal(label_array, rows)))
    clusters = clusters.take(pc.sort_indices(clusters))
    if len(clusters) == 0:
        return MergeResult(table.take(roots).combine_chunks(), roots.to_pylist(), 0, {})
    groups = _groups(table, label_array, rows, clusters, smart)
    at_output = pc.is_in(roots, value_set=clusters)
    kept_rows = groups.rows.filter(_run_starts(groups.labels))

    def merge_column(name: str) -> tuple[pa.Array, int, list[Any] | None]:
        values = as_array(table.column(name))
        taken = values.take(groups.rows)
        reference = groups.first_valid(taken)
        filled = 0
        if smart:  # the most complete row, with its gaps filled: count the filled ones
            kept_values = int(pc.sum(pc.is_valid(values).take(kept_rows)).as_py() or 0)
            filled, kept = len(kept_rows) - kept_values - reference.null_count, reference
        else:
            kept = values.take(kept_rows)
        merged = pc.replace_with_mask(values.take(roots), at_output, kept)
        return merged, filled, _conflicting_values(taken, groups, reference)

    with ThreadPoolExecutor(2) as pool:  # columns are independent; Arrow releases the GIL
        results = list(pool.map(merge_column, table.column_names))
    conflicts: dict[int, dict[str, list[str]]] = {}
    for name, (_, _, found) in zip(table.column_names, results, strict=True):
        if found is not None:
            for label, values in zip(found[0], found[1], strict=True):
                conflicts.setdefault(label, {})[name] = values
    out = pa.table([r[0] for r in results], names=table.column_names)
    return MergeResult(out, roots.to_pylist(), sum(r[1] for r in results), conflicts)


def _groups(
    table: pa.Table, labels: pa.Array, rows: pa.Array, clusters: pa.Array, smart: bool
) -> _Groups:
    member = pc.is_in(labels, value_set=clusters)
    member_rows, member_labels = rows.filter(member), labels.filter(member)
    keys = {"l": member_labels, "r": member_rows}
    order_by = [("l", "ascending"), ("r", "ascending")]
    if smart:
        filled = filled_with(0, len(member_rows))
        for name in table.column_names:
            valid = pc.is_valid(as_array(table.column(name)).take(member_rows))
            filled = pc.add(filled, pc.cast(valid, pa.int64()))
        keys["c"] = filled
        order_by.insert(1, ("c", "descending"))
    order = pc.sort_indices(pa.table(keys), sort_keys=order_by)
    sorted_labels = member_labels.take(order)
    index = pc.index_in(sorted_labels, value_set=clusters)
    return _Groups(clusters, member_rows.take(order), sorted_labels, index)


def _conflicting_values(taken: pa.Array, groups: _Groups, reference: pa.Array) -> list[Any] | None:
    """[labels, distinct values in row order] of the clusters whose rows disagree, or None."""
    differs = pc.fill_null(pc.not_equal(taken, reference.take(groups.cluster_index)), False)
    if not pc.any(differs).as_py():
        return None
    disagreeing = pc.unique(groups.labels.filter(differs))
    involved = pc.and_(pc.is_in(groups.labels, value_set=disagreeing), pc.is_valid(taken))
    rows = pa.table(
        {
            "l": groups.labels.filter(involved),
            "r": groups.rows.filter(involved),
            "v": taken.filter(involved),
        }
    ).sort_by([("l", "ascending"), ("r", "ascending")])
    distinct = pa.TableGroupBy(rows, "l", use_threads=False).aggregate([("v", "distinct")])
    return [distinct.column("l").to_pylist(), distinct.column("v_distinct").to_pylist()]
