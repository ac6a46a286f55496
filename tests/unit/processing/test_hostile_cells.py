"""Cells and headers a spreadsheet would run, or the csv module would refuse."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from app.processing import io as csv_io
from app.processing.errors import CellTooLong


def test_a_formula_in_a_header_is_neutralised_like_one_in_a_cell(tmp_path: Path) -> None:
    table = pa.table({"Email": ["a@b.c"], '=HYPERLINK("http://evil.example","x")': ["=1+1"]})
    out = tmp_path / "out.csv"
    csv_io.write_csv(table, out)
    header, row = out.read_text().splitlines()
    assert header == '"Email","\'=HYPERLINK(""http://evil.example"",""x"")"'
    assert row == '"a@b.c","\'=1+1"'


@pytest.fixture
def small_field_limit() -> Iterator[None]:
    before = csv.field_size_limit()
    csv.field_size_limit(1000)
    yield
    csv.field_size_limit(before)


def test_a_cell_over_the_reader_limit_is_a_clear_error(
    tmp_path: Path, small_field_limit: None
) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(b"name," + b"x" * 5000 + b"\nAda,1\n")
    with pytest.raises(CellTooLong, match="longer than 1,000 characters"):
        csv_io.read_csv_file(path)
