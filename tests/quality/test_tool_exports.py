"""Every tool export, merged as a person would merge it: headers right, parts composed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.processing.pipeline import InputFile, MergeOptions, run
from tests.unit.processing.test_tool_exports import FIXTURES, MAPPINGS, export_bytes, load


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_header_accuracy_of_a_tool_export(path: Path, tmp_path: Path) -> None:
    fixture = load(path)
    csv_path = tmp_path / f"{path.stem}.csv"
    csv_path.write_bytes(export_bytes(fixture))
    mappings: dict[str, Any] = json.loads(json.dumps(MAPPINGS))
    result = run(
        [InputFile(csv_path, csv_path.name)], mappings, MergeOptions(fixture["table_type"])
    )
    (report,) = result.report["files"]
    expected = {**fixture["headers"]}
    expected.update({h: field for h, (field, _) in fixture.get("location_parts", {}).items()})
    right = wrong_field = 0
    for header, want in expected.items():
        match = report["mapping"][header]
        got = match["field"] or match.get("feeds")
        right += got == want
        wrong_field += got is not None and got != want
    assert right / len(expected) >= 0.98
    assert wrong_field == 0
    assert report["header_row"]["line"] == len(fixture.get("preamble", [])) + 1
    for header, (field, _) in fixture.get("location_parts", {}).items():
        assert header in result.table.column_names  # kept as it came
        if not any(fixture["headers"].get(h) == field for h in fixture["headers"]):
            filled = [v for v in result.table.column(field).to_pylist() if v]
            assert filled, f"{field} is fed by {header}"
