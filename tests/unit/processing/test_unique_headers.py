"""Making headers unique stays linear in the number of columns, whatever repeats."""

from __future__ import annotations

import time

import pytest

from app.processing.parsing import unique_headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["a", "a", "a"], ["a", "a (2)", "a (3)"]),
        (["a", "A", "a (2)"], ["a", "A (3)", "a (2)"]),
        (["x", "", "x", ""], ["x", "Column 2", "x (2)", "Column 4"]),
        (["a (2)", "a", "a", "a"], ["a (2)", "a", "a (3)", "a (4)"]),
    ],
)
def test_repeated_headers_are_numbered_past_names_already_taken(
    raw: list[str], expected: list[str]
) -> None:
    assert unique_headers(raw) == expected


@pytest.mark.parametrize("pattern", [["Email"], ["Email", "email (2)"], ["a", "", "a (3)"]])
def test_twenty_thousand_repeated_headers_are_made_unique_in_well_under_a_second(
    pattern: list[str],
) -> None:
    raw = pattern * (20_000 // len(pattern))
    started = time.perf_counter()
    headers = unique_headers(raw)
    elapsed = time.perf_counter() - started
    assert len({h.casefold() for h in headers}) == len(raw)
    assert elapsed < 1.0, f"{elapsed:.2f} s"
