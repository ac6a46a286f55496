"""`csv-merger merge` run in-process: files in, CSV and report out, exit codes."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli_merge import add_merge_parser, main, run_merge

WriteCsv = Callable[..., Path]


def test_merge_writes_the_csv_and_the_report(
    csv_file: WriteCsv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = csv_file(b"Company,Website\nAcme Inc,https://acme.com/\nBeta,beta.io\n", "a.csv")
    b = csv_file(b"organization;domain\nACME;www.acme.com\n", "b.csv")
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    code = main([str(a), str(b), "--type", "company", "-o", str(out), "--report", str(report)])
    assert code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Company Name"], r["Company Domain"]) for r in rows] == [
        ("Acme Inc", "acme.com"),
        ("Beta", "beta.io"),
    ]
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["counts"]["duplicates_removed"] == 1
    member = document["clusters"][0]["members"][1]
    assert {k: member[k] for k in ("file", "row", "rule", "score")} == {
        "file": "b.csv",
        "row": 1,
        "rule": "domain",
        "score": 100,
    }
    assert member["evidence"]["fields"]["domain"]["level"] == "exact"
    assert document["possible_duplicates"] == []
    err = capsys.readouterr().err
    assert "3 rows in, 2 records out" in err
    assert "0 possible duplicates" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"PK\x03\x04abc", "not a CSV"), (None, "no such file")],
)
def test_merge_refuses_bad_input_with_exit_code_2(
    csv_file: WriteCsv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    message: str,
) -> None:
    path = csv_file(content, "bad.csv") if content is not None else tmp_path / "missing.csv"
    code = main([str(path), "--type", "people", "-o", str(tmp_path / "out.csv")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("csv-merger merge: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


def test_merge_parser_registers_on_a_subparsers_object(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_merge_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["merge", "x.csv", "--type", "people", "-o", "o.csv"])
    assert (args.threshold, args.smart_merge, args.clean_domains, args.normalize) == (
        85,
        True,
        True,
        True,
    )
    assert args.mappings.name == "field_mappings.json" and args.mappings.is_file()
    args.threshold = 101
    assert run_merge(args) == 2
