"""Dedupe quality and header mapping on the generator's messy lead lists, scored by its truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.processing.pipeline import InputFile, MergeOptions, PipelineResult, run
from tests.quality.scoring import mapping_errors, pairwise_scores

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "bench" / "gen_leads.py"
MAPPINGS = ROOT / "mappings" / "field_mappings.json"
# (table type, rows, files, seed): together they use every header variant of the generator
CASES = [
    ("people", 12_000, 6, 7),
    ("company", 12_000, 6, 11),
    ("people", 3_000, 9, 3),
    ("company", 3_000, 9, 5),
]


def generate(out: Path, table_type: str, rows: int, files: int, seed: int) -> Path:
    """Generated lead lists (deterministic for the arguments) in a fresh folder."""
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--type",
            table_type,
            "--rows",
            str(rows),
            "--files",
            str(files),
            "--seed",
            str(seed),
            "--dup-rate",
            "0.2",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}x{c[2]}")
def merged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[PipelineResult, Path]:
    table_type, rows, files, seed = request.param
    out = generate(tmp_path_factory.mktemp(table_type), table_type, rows, files, seed)
    mappings: dict[str, Any] = json.loads(MAPPINGS.read_text(encoding="utf-8"))
    inputs = [InputFile(p, p.name) for p in sorted(out.glob("file_*.csv"))]
    return run(inputs, mappings, MergeOptions(table_type)), out


def test_pairwise_precision_and_recall(merged: tuple[PipelineResult, Path]) -> None:
    result, out = merged
    precision, recall = pairwise_scores(result, out)
    assert precision >= 0.99, precision
    assert recall >= 0.95, recall


def test_every_generated_header_maps_to_its_field(merged: tuple[PipelineResult, Path]) -> None:
    result, out = merged
    assert mapping_errors(result, out) == []


def test_generator_vocabulary_is_covered(merged: tuple[PipelineResult, Path]) -> None:
    """All header variants the generator knows map right, not only those these files drew."""
    sys.path.insert(0, str(GENERATOR.parent))
    try:
        import gen_leads
    finally:
        sys.path.remove(str(GENERATOR.parent))
    from app.processing.headers import detect_mapping

    mappings: dict[str, Any] = json.loads(MAPPINGS.read_text(encoding="utf-8"))
    table_type = merged[0].report["table_type"]
    vocabulary = gen_leads.PEOPLE_FIELDS if table_type == "people" else gen_leads.COMPANY_FIELDS
    wrong = {}
    for field, headers in vocabulary.items():
        for header in [*headers, *gen_leads.EXTRA_COLUMNS]:
            want = field if header in headers else None
            match = detect_mapping([header], mappings, table_type)[header]
            got = match.field or match.feeds  # an address part feeds its field
            if got != want:
                wrong[header] = (got, want)
    assert wrong == {}
