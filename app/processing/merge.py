"""Smart merge: one record per cluster, the most complete row filled from the others."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

_LABEL, _ROW, _FULL = "__label", "__row", "__filled"


@dataclass(frozen=True)
class MergeResult:
    """Output records in first-appearance order, with what merging filled and disagreed on."""

    table: pa.Table
    labels: list[int]  # output position -> cluster label (the cluster's first input row)
    fields_merged: int
    conflicts: dict[int, dict[str, list[str]]]  # label -> field -> distinct values


def merge_clusters(table: pa.Table, labels: list[int], *, smart: bool = True) -> MergeResult:
    """Collapse each cluster to one record; with smart merge, fill its gaps from the others."""
    names = table.column_names
    label_array = pa.array(labels, pa.int64())
    work = table.append_column(_LABEL, label_array).append_column(
        _ROW, pa.array(range(table.num_rows), pa.int64())
    )
    sizes = work.group_by(_LABEL).aggregate([(_ROW, "count")])
    multi = sizes.filter(pc.greater(sizes.column(f"{_ROW}_count"), 1)).column(_LABEL)
    in_multi = pc.is_in(label_array, value_set=multi.combine_chunks())
    singles = work.filter(pc.invert(in_multi)).select([*names, _LABEL])
    group = work.filter(in_multi)
    merged, fields_merged = _collapse(group, names, smart)
    conflicts = _conflicts(group, names)
    out = pa.concat_tables([singles, merged.select([*names, _LABEL])])
    out = out.sort_by([(_LABEL, "ascending")])
    order = out.column(_LABEL).to_pylist()
    return MergeResult(out.select(names).combine_chunks(), order, fields_merged, conflicts)


def _collapse(group: pa.Table, names: list[str], smart: bool) -> tuple[pa.Table, int]:
    if group.num_rows == 0:
        return group.select([*names, _LABEL]), 0
    filled = pa.array([0] * group.num_rows, pa.int64())
    for name in names:
        filled = pc.add(filled, pc.cast(pc.is_valid(group.column(name)), pa.int64()))
    group = group.append_column(_FULL, filled)
    if smart:
        keys = [(_LABEL, "ascending"), (_FULL, "descending"), (_ROW, "ascending")]
    else:
        keys = [(_LABEL, "ascending"), (_ROW, "ascending")]
    group = group.sort_by(keys)
    options = pc.ScalarAggregateOptions(skip_nulls=smart)
    aggregations = [(name, "first", options) for name in names]
    aggregations.append((_ROW, "first", pc.ScalarAggregateOptions(skip_nulls=False)))
    merged = pa.TableGroupBy(group, _LABEL, use_threads=False).aggregate(aggregations)
    merged = merged.rename_columns([n.removesuffix("_first") for n in merged.column_names])
    if not smart:
        return merged, 0
    survivors = group.sort_by([(_ROW, "ascending")]).select([_ROW])
    kept = pc.index_in(merged.column(_ROW), value_set=survivors.column(_ROW).combine_chunks())
    base = group.sort_by([(_ROW, "ascending")]).take(kept)
    count = 0
    for name in names:
        count += base.column(name).null_count - merged.column(name).null_count
    return merged, count


def _conflicts(group: pa.Table, names: list[str]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = {}
    if group.num_rows == 0:
        return out
    group = group.sort_by([(_LABEL, "ascending"), (_ROW, "ascending")])
    counts = pa.TableGroupBy(group, _LABEL, use_threads=False).aggregate(
        [(name, "count_distinct") for name in names]
    )
    for name in names:
        many = counts.filter(pc.greater(counts.column(f"{name}_count_distinct"), 1)).column(_LABEL)
        if len(many) == 0:
            continue
        rows = group.filter(pc.is_in(group.column(_LABEL), value_set=many.combine_chunks()))
        values = pa.TableGroupBy(rows.select([_LABEL, name]), _LABEL, use_threads=False).aggregate(
            [(name, "distinct", pc.CountOptions(mode="only_valid"))]
        )
        for label, distinct in zip(
            values.column(_LABEL).to_pylist(),
            values.column(f"{name}_distinct").to_pylist(),
            strict=True,
        ):
            out.setdefault(label, {})[name] = distinct
    return out
