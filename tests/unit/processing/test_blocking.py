"""Block codes kept between dedupe rounds: equal codes exactly for equal keys."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.blocking import BlockCodes


def _same_partition(codes: pa.Array, keys: list[str | None]) -> bool:
    pairs = list(zip(codes.to_pylist(), keys, strict=True))
    for code_a, key_a in pairs:
        if (code_a is None) != (key_a is None):
            return False
        for code_b, key_b in pairs:
            if code_a is not None and code_b is not None and (code_a == code_b) != (key_a == key_b):
                return False
    return True


def test_block_codes_follow_the_keys_of_changed_rows_only() -> None:
    first = ["acme|js", "acme|js", None, "beta|mr", "beta|ab"]
    second = ["acme|js", "beta|mr", "gamma|xy", "beta|mr", "gamma|xy"]  # rows 1, 2, 4 changed
    changed = pa.array([False, True, True, False, True])
    keys = pa.array(first, pa.string())
    block = BlockCodes()
    assert _same_partition(block.update(lambda mask: keys, None), first)

    rebuilt = pa.array(second, pa.string())
    asked: list[list[str | None]] = []

    def build(mask: pa.Array | None) -> pa.Array:
        assert mask is not None  # a later round builds only the changed rows' keys
        asked.append(rebuilt.filter(mask).to_pylist())
        return rebuilt.filter(mask)

    codes = block.update(build, changed)
    assert asked == [["beta|mr", "gamma|xy", "gamma|xy"]]
    assert _same_partition(codes, second)
    assert codes.type == pa.int64()
    assert pc.min(codes).as_py() >= 0


def test_block_codes_of_changed_rows_may_become_empty() -> None:
    keys = pa.array(["a", "b", "c"], pa.string())
    block = BlockCodes()
    block.update(lambda mask: keys, None)
    after = pa.array(["a", None, "a"], pa.string())
    codes = block.update(lambda mask: after.filter(mask), pa.array([False, True, True]))
    assert _same_partition(codes, ["a", None, "a"])
