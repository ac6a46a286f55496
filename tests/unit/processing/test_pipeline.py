"""The whole pipeline on small files: output shape, report, provenance, progress, cancel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.processing.errors import Cancelled, EmptyFile
from app.processing.pipeline import InputFile, MergeOptions, run

WriteCsv = Callable[..., Path]


def two_files(csv_file: WriteCsv) -> list[InputFile]:
    crm = csv_file(
        "First Name;Last Name;E-mail;Company;Website;Lead Source\r\n"
        "ann;LEE;Ann@Acme.com;Acme Inc;https://www.acme.com/;Webinar\r\n"
        "Zoë;Stone;zoe@beta.io;Beta;beta.io;\r\n".encode("cp1252"),
        "crm.csv",
    )
    export = csv_file(
        b"\xef\xbb\xbfFull Name,Email,Job Title,Company Domain,Notes\n"
        b"Ann Lee,ann@acme.com,CEO,acme.com,=cmd\n"
        b"Carl Ng,carl@gamma.de,CTO,gamma.de,\n",
        "export.csv",
    )
    return [InputFile(crm, "CRM leads.csv"), InputFile(export, "Export.csv")]


def test_run_merges_maps_cleans_and_reports(csv_file: WriteCsv, mappings: dict[str, Any]) -> None:
    result = run(two_files(csv_file), mappings, MergeOptions("people"))
    table = result.table
    fields = mappings["people_mappings"]
    assert table.column_names == [*fields, "Lead Source", "Notes"]
    records = table.to_pylist()
    assert [r["Full Name"] for r in records] == ["Ann Lee", "Zoë Stone", "Carl Ng"]
    ann = records[0]
    assert ann["Email"] == "ann@acme.com"
    assert ann["Job Title"] == "CEO"  # filled from the duplicate
    assert ann["Company Website"] == "acme.com"
    assert ann["Lead Source"] == "Webinar"
    assert ann["Notes"] == "=cmd"  # records keep the original value

    report = result.report
    assert report["mapping_version"] is None
    assert report["table_type"] == "people"
    crm, export = report["files"]
    assert (crm["filename"], crm["encoding"], crm["delimiter"], crm["rows"]) == (
        "CRM leads.csv",
        "cp1252",
        ";",
        2,
    )
    assert crm["mapping"]["E-mail"] == {"field": "Email", "score": 100, "values_fit": 1.0}
    assert crm["unmapped"] == ["Lead Source"]
    assert export["encoding"] == "utf-8-sig"
    counts = report["counts"]
    assert counts["input_records"] == 4
    assert counts["output_records"] == 3
    assert counts["duplicates_removed"] == 1
    assert counts["fields_merged"] >= 1
    assert counts["domains_cleaned"] >= 1
    (cluster,) = report["clusters"]
    assert cluster["output_row"] == 1
    keys = ("file", "row", "rule", "score")
    assert [{k: m[k] for k in keys} for m in cluster["members"]] == [
        {"file": "CRM leads.csv", "row": 1, "rule": "first", "score": 100},
        {"file": "Export.csv", "row": 1, "rule": "email", "score": 100},
    ]
    evidence = cluster["members"][1]["evidence"]
    assert evidence["fields"]["e-mail"]["level"] == "exact"
    assert evidence["probability"] >= 0.85
    assert cluster["conflicts"] == {}  # case, spacing and URL forms were cleaned away first
    checks = {f["check"]: f for f in report["validation"]}
    assert checks["invalid_email"]["count"] == 0
    assert checks["missing_name"]["count"] == 0


def test_run_reports_progress_and_can_be_cancelled(
    csv_file: WriteCsv, mappings: dict[str, Any]
) -> None:
    stages: list[str] = []
    run(
        two_files(csv_file),
        mappings,
        MergeOptions("people"),
        progress=lambda s, d, t: stages.append(s),
    )
    assert {"read", "clean", "dedupe", "merge"} <= set(stages)
    with pytest.raises(Cancelled):
        run(two_files(csv_file), mappings, MergeOptions("people"), is_cancelled=lambda: True)


def test_run_applies_overrides_and_names_the_bad_file(
    csv_file: WriteCsv, mappings: dict[str, Any]
) -> None:
    inputs = two_files(csv_file)
    ignored = InputFile(inputs[1].path, "Export.csv", overrides={"Notes": None, "Job Title": None})
    result = run([inputs[0], ignored], mappings, MergeOptions("people"))
    assert result.table.to_pylist()[0]["Job Title"] is None
    empty = InputFile(csv_file(b"  \n", "empty.csv"), "My empty file.csv")
    with pytest.raises(EmptyFile) as raised:
        run([inputs[0], empty], mappings, MergeOptions("people"))
    assert raised.value.filename == "My empty file.csv"


def test_run_on_header_only_files_gives_no_records(
    csv_file: WriteCsv, mappings: dict[str, Any]
) -> None:
    path = csv_file(b"Company Name,Website\n")
    result = run([InputFile(path, "empty.csv")], mappings, MergeOptions("company"))
    assert result.table.num_rows == 0
    assert result.report["counts"]["output_records"] == 0
    assert result.report["clusters"] == []
