"""Candidate pairs for fuzzy comparison, from small blocks and sorted neighbourhoods only."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import as_array, filled_with, row_numbers


def codes(key: pa.Array) -> pa.Array:
    """Integer codes for string keys (null stays null), handed out in first-appearance order.

    Grouping on integers is several times faster than on the strings themselves.
    """
    return pc.cast(pc.dictionary_encode(as_array(key)).indices, pa.int64())


def join_keys(*parts: pa.Array) -> pa.Array:
    """Parts joined with a separator; null when any part is null."""
    return pc.binary_join_element_wise(*parts, "\x1f")


def window_pairs(
    order: pa.Array,
    labels: pa.Array,
    *,
    block_codes: pa.Array | None = None,
    window: int = 8,
    focus: pa.Array | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Row pairs (a, b) from different clusters that sit within `window` places of each other when
    sorted by (block, order); only blocks holding two or more clusters are looked at, and with
    a focus mask only pairs touching a focused row. block_codes: int64 codes of the rows'
    blocks (null = no block), from codes()."""
    order, labels = as_array(order), as_array(labels)
    rows = row_numbers(len(labels))
    keep = pc.is_valid(order)
    if block_codes is not None:
        keep = pc.and_(keep, pc.is_valid(block_codes))
        if focus is not None:  # only blocks holding a focused row matter
            keep = _in_focused_blocks(block_codes, keep, focus)
    rows, labels, order = rows.filter(keep), labels.filter(keep), order.filter(keep)
    n = len(rows)
    table = pa.table(
        {
            "l": labels,
            "r": rows,
            "p": row_numbers(n),  # position in `order`, ascending with the row
            "b": block_codes.filter(keep) if block_codes is not None else filled_with(0, n),
            "f": focus.filter(keep) if focus is not None else filled_with(True, n),
        }
    )
    if block_codes is not None:
        table = _busy_blocks(table)
    table = table.append_column("o", codes(order.take(table.column("p"))))
    table = table.group_by(["b", "o", "l"]).aggregate([("r", "min"), ("p", "min"), ("f", "any")])
    # sort the (now small) table by the order strings themselves
    table = table.append_column("s", order.take(table.column("p_min")))
    table = table.sort_by([("b", "ascending"), ("s", "ascending"), ("r_min", "ascending")])
    return _neighbours(
        table.column("b").to_numpy(),
        table.column("l").to_numpy(),
        table.column("r_min").to_numpy(),
        table.column("f_any").to_numpy(zero_copy_only=False),
        window,
    )


def _in_focused_blocks(block_codes: pa.Array, keep: pa.Array, focus: pa.Array) -> pa.Array:
    """keep, narrowed to the rows whose block holds a kept, focused row."""
    # shifted by one, so that rows without a block (code -1, never kept) look up slot 0
    slot = pc.fill_null(block_codes, -1).to_numpy() + 1
    chosen = pc.fill_null(pc.and_(keep, focus), False).to_numpy(zero_copy_only=False)
    focused = np.zeros(int(slot.max(initial=0)) + 1, np.bool_)
    focused[slot[chosen]] = True
    kept = pc.fill_null(keep, False).to_numpy(zero_copy_only=False)
    return pa.array(kept & focused[slot])


def _busy_blocks(table: pa.Table) -> pa.Table:
    """The rows of blocks holding two or more clusters."""
    block, labels = table.column("b").to_numpy(), table.column("l").to_numpy()
    if len(block) == 0:
        return table
    # any one label of each block serves as its reference: a block is busy when a row differs
    reference = np.zeros(int(block.max()) + 1, np.int64)
    reference[block] = labels
    busy = np.zeros(len(reference), np.bool_)
    busy[block[labels != reference[block]]] = True
    return table.filter(pa.array(busy[block]))


def _neighbours(
    blocks: npt.NDArray[np.int64],
    clusters: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    focused: npt.NDArray[np.bool_],
    window: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(a, b), a < b: each sorted row with the next `window` of its block, in other clusters,
    one of the two focused; offset by offset, in numpy."""
    firsts, seconds = [], []
    for offset in range(1, window + 1):
        if offset >= len(rows):
            break
        keep = (
            (blocks[:-offset] == blocks[offset:])
            & (clusters[:-offset] != clusters[offset:])
            & (focused[:-offset] | focused[offset:])
        )
        x, y = rows[:-offset][keep], rows[offset:][keep]
        firsts.append(np.minimum(x, y))
        seconds.append(np.maximum(x, y))
    if not firsts:
        empty = np.zeros(0, np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)
