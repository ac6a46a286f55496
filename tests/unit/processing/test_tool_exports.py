"""Each lead tool's documented export header row maps every column it should, and only those
(fixtures in tests/fixtures/tool_exports, sources in mappings/EXPORT_COLUMNS.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from app.processing.headers import detect_mapping
from app.processing.parsing import parse_csv_bytes
from app.processing.values import value_samples

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "tool_exports").glob("*.json"))
MAPPINGS: dict[str, Any] = json.loads(
    (ROOT / "mappings" / "field_mappings.json").read_text(encoding="utf-8")
)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def export_bytes(fixture: dict[str, Any]) -> bytes:
    """The fixture written as the tool writes its CSV: preamble, header row, sample rows."""
    headers = [*fixture["headers"], *fixture.get("location_parts", {})]
    samples = fixture["samples"]
    out = io.StringIO()
    out.write("".join(f"{line}\n" for line in fixture.get("preamble", [])))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for k in range(3):
        writer.writerow([(samples.get(h) or ["", "", ""])[k] for h in headers])
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_a_tool_export_maps_every_column_it_should_and_only_those(path: Path) -> None:
    fixture = load(path)
    read = parse_csv_bytes(export_bytes(fixture))
    mapping = detect_mapping(
        read.headers,
        MAPPINGS,
        fixture["table_type"],
        samples=value_samples(read.table, read.headers),
    )
    wrong = {
        header: (mapping[header].field, want)
        for header, want in fixture["headers"].items()
        if mapping[header].field != want
    }
    wrong.update(
        {
            header: (mapping[header].feeds, field)
            for header, (field, _part) in fixture.get("location_parts", {}).items()
            if mapping[header].feeds != field
        }
    )
    assert wrong == {}


def test_every_tool_has_its_fixture_and_its_source() -> None:
    tools = {load(p)["tool"] for p in FIXTURES}
    assert {"HubSpot", "Salesforce", "Apollo", "ZoomInfo", "Google Contacts", "Outlook"} <= tools
    assert all(load(p)["source"] for p in FIXTURES)
