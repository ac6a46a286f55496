"""Candidate pairs for fuzzy comparison, from small blocks and sorted neighbourhoods only."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import as_array


def first_index_pairs(key: pa.Array) -> list[tuple[int, int]]:
    """(first row with the key, row) for every later row sharing a non-null key, by row."""
    n = len(key)
    table = pa.table({"k": as_array(key), "r": pa.array(range(n), pa.int64())})
    table = table.filter(pc.is_valid(table.column("k")))
    groups = table.group_by("k").aggregate([("r", "min"), ("r", "count")])
    groups = groups.filter(pc.greater(groups.column("r_count"), 1)).select(["k", "r_min"])
    if groups.num_rows == 0:
        return []
    joined = table.join(groups, "k", join_type="inner")
    joined = joined.filter(pc.not_equal(joined.column("r"), joined.column("r_min")))
    joined = joined.sort_by([("r", "ascending")])
    return list(
        zip(joined.column("r_min").to_pylist(), joined.column("r").to_pylist(), strict=True)
    )


def initials(name_key: pa.Array) -> pa.Array:
    """First letter of the first word and of the last word ("john a smith" -> "js")."""
    first = pc.utf8_slice_codeunits(name_key, 0, 1)
    last_word = pc.replace_substring_regex(name_key, r"^.* ", "")
    return pc.binary_join_element_wise(first, pc.utf8_slice_codeunits(last_word, 0, 1), "")


def join_keys(*parts: pa.Array) -> pa.Array:
    """Parts joined with a separator; null when any part is null."""
    return pc.binary_join_element_wise(*parts, "\x1f")


def window_pairs(
    order: pa.Array, labels: pa.Array, *, block: pa.Array | None = None, window: int = 8
) -> list[tuple[int, int]]:
    """Row pairs from different clusters that sit within `window` places of each other when
    sorted by (block, order); only blocks holding two or more clusters are looked at."""
    n = len(labels)
    columns = {"o": as_array(order), "l": labels, "r": pa.array(range(n), pa.int64())}
    valid = pc.is_valid(columns["o"])
    if block is not None:
        columns["b"] = as_array(block)
        valid = pc.and_(valid, pc.is_valid(columns["b"]))
    else:
        columns["b"] = pa.nulls(n, pa.string()).fill_null("")
    table = pa.table(columns).filter(valid)
    table = table.group_by(["b", "o", "l"]).aggregate([("r", "min")])
    if block is not None:
        counts = table.group_by("b").aggregate([("l", "count_distinct")])
        busy = counts.filter(pc.greater(counts.column("l_count_distinct"), 1)).column("b")
        table = table.filter(pc.is_in(table.column("b"), value_set=busy.combine_chunks()))
    table = table.sort_by([("b", "ascending"), ("o", "ascending"), ("r_min", "ascending")])
    blocks = table.column("b").to_pylist()
    cluster = table.column("l").to_pylist()
    rows = table.column("r_min").to_pylist()
    pairs = []
    total = len(rows)
    for k in range(total):
        bk, lk, rk = blocks[k], cluster[k], rows[k]
        for m in range(k + 1, min(k + 1 + window, total)):
            if blocks[m] != bk:
                break
            if cluster[m] != lk:
                pairs.append((rk, rows[m]) if rk < rows[m] else (rows[m], rk))
    return pairs
