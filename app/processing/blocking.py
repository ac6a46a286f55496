"""Candidate pairs for fuzzy comparison, from small blocks and sorted neighbourhoods only."""

from __future__ import annotations

from collections.abc import Callable

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


def first_index_pairs(key: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(first row with the key, row) for every later row sharing a non-null key, by row, as
    two arrays."""
    code = pc.fill_null(codes(key), -1)
    n = len(code)
    none = np.zeros(0, np.int64)
    if n == 0:
        return none, none
    # dictionary codes are handed out in order of first appearance: a row holds a new key
    # exactly when its code is above every code before it
    running = pc.cumulative_max(code)
    previous = pa.concat_arrays([pa.array([-1], pa.int64()), running.slice(0, n - 1)])
    is_first = pc.greater(code, previous)
    rows = row_numbers(n)
    first_row = rows.filter(is_first)
    later = pc.and_(pc.invert(is_first), pc.greater_equal(code, 0))
    if not pc.any(later).as_py():
        return none, none
    owners = first_row.take(code.filter(later))
    return owners.to_numpy(), rows.filter(later).to_numpy()


def initials(name_key: pa.Array) -> pa.Array:
    """First letter of the first word and of the last word ("john a smith" -> "js")."""
    first = pc.utf8_slice_codeunits(name_key, 0, 1)
    last_word = pc.replace_substring_regex(name_key, r"^.* ", "")
    return pc.binary_join_element_wise(first, pc.utf8_slice_codeunits(last_word, 0, 1), "")


def join_keys(*parts: pa.Array) -> pa.Array:
    """Parts joined with a separator; null when any part is null."""
    return pc.binary_join_element_wise(*parts, "\x1f")


class BlockCodes:
    """Integer codes of one pass's block keys (equal codes = equal keys), kept from round to
    round: a later round hashes only the rows whose keys changed, not every row again."""

    def __init__(self) -> None:
        self._dictionary: pa.Array | None = None  # the distinct keys; a key's code is its index
        self._codes: pa.Array | None = None  # int64 per row, null where the row has no key

    def update(
        self, build: Callable[[pa.Array | None], pa.Array], changed: pa.Array | None
    ) -> pa.Array:
        """The codes once the changed rows' keys are rebuilt; build(mask) gives the keys of the
        masked rows in row order (of every row for None). changed=None rebuilds every row."""
        if self._dictionary is None or self._codes is None or changed is None:
            encoded = pc.dictionary_encode(as_array(build(None)))
            self._dictionary = encoded.dictionary
            self._codes = pc.cast(encoded.indices, pa.int64())
            return self._codes
        keys = as_array(build(changed))
        found = pc.cast(pc.index_in(keys, value_set=self._dictionary), pa.int64())
        new = pc.fill_null(pc.and_(pc.is_null(found), pc.is_valid(keys)), False)
        if pc.any(new).as_py():
            added = pc.dictionary_encode(keys.filter(new))
            fresh = pc.add(pc.cast(added.indices, pa.int64()), len(self._dictionary))
            found = pc.replace_with_mask(found, new, fresh)
            self._dictionary = pa.concat_arrays([self._dictionary, added.dictionary])
        self._codes = pc.replace_with_mask(self._codes, changed, found)
        return self._codes


def window_pairs(
    order: pa.Array,
    labels: pa.Array,
    *,
    block_codes: pa.Array | None = None,
    window: int = 8,
    focus: pa.Array | None = None,
) -> list[tuple[int, int]]:
    """Row pairs from different clusters that sit within `window` places of each other when
    sorted by (block, order); only blocks holding two or more clusters are looked at, and with
    a focus mask only pairs touching a focused row. block_codes: int64 codes of the rows'
    blocks (null = no block), from codes() or BlockCodes."""
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
        table.column("b").to_pylist(),
        table.column("l").to_pylist(),
        table.column("r_min").to_pylist(),
        table.column("f_any").to_pylist(),
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
    blocks: list[int], clusters: list[int], rows: list[int], focused: list[bool], window: int
) -> list[tuple[int, int]]:
    pairs = []
    total = len(rows)
    for k in range(total):
        bk, lk, rk, fk = blocks[k], clusters[k], rows[k], focused[k]
        for m in range(k + 1, min(k + 1 + window, total)):
            if blocks[m] != bk:
                break
            if clusters[m] != lk and (fk or focused[m]):
                pairs.append((rk, rows[m]) if rk < rows[m] else (rows[m], rk))
    return pairs
