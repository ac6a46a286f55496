"""Writing the result: a spreadsheet-safe CSV, and a records file delivery can resume from."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from app.processing.io import count_records, iter_records, write_csv, write_records


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.5", "-12.5"),
        ("+4930123456", "+4930123456"),
        ("plain", "plain"),
        ("a=b", "a=b"),
    ],
)
def test_write_csv_neutralises_formula_cells_but_not_plain_numbers(
    tmp_path: Path, value: str, written: str
) -> None:
    path = tmp_path / "out.csv"
    write_csv(pa.table({"Name": [value]}), path)
    with path.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [["Name"], [written]]


def test_write_csv_round_trips_utf8_quotes_newlines_and_empty_cells(tmp_path: Path) -> None:
    table = pa.table({"Full Name": ['Zoë "Z" Ørsted', None], "Note": ["a,b\nc", "x"]})
    path = tmp_path / "out.csv"
    write_csv(table, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["Full Name", "Note"], ['Zoë "Z" Ørsted', "a,b\nc"], ["", "x"]]


def test_write_csv_of_no_records_writes_the_header(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pa.table({"Email": pa.array([], pa.string())}), path)
    assert path.read_text(encoding="utf-8").strip() == '"Email"'


def test_records_file_keeps_original_values_and_resumes_at_a_row(tmp_path: Path) -> None:
    values = [f"=v{i}" if i % 2 else f"v{i}" for i in range(25_000)]
    table = pa.table({"Email": values, "Note": [None] * len(values)})
    path = tmp_path / "records.arrow"
    write_records(table, path)
    assert count_records(path) == 25_000
    rows = list(iter_records(path, start_row=19_999, batch_size=7))
    assert rows[0] == (19_999, {"Email": "v19998", "Note": None})
    assert rows[-1] == (25_000, {"Email": "=v24999", "Note": None})
    assert len(rows) == 25_000 - 19_999 + 1
    assert [r for r, _ in iter_records(path)] == list(range(1, 25_001))


def test_formula_cells_are_found_in_sliced_and_chunked_columns(tmp_path: Path) -> None:
    values = ["ok", "=1+1", None, "", "-5", "@x", "é=", "+49 30 1"]
    column = pa.chunked_array([pa.array(values).slice(1, 4), pa.array(values).slice(5)])
    path = tmp_path / "out.csv"
    write_csv(pa.table({"k": ["x"] * len(column), "v": column}), path)
    with path.open(encoding="utf-8", newline="") as handle:
        written = [row["v"] for row in csv.DictReader(handle)]
    assert written == ["'=1+1", "", "", "-5", "'@x", "é=", "'+49 30 1"]
