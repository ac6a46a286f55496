"""Scoring a merge against the generator's truth: pairwise precision/recall, header mapping."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

from app.processing.pipeline import PipelineResult


def truth_entities(out_dir: Path) -> dict[tuple[str, int], str]:
    """(file, 1-based row) -> entity id, from truth.csv (whose rows are 0-based)."""
    with (out_dir / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return {(r["file"], int(r["row"]) + 1): r["entity_id"] for r in csv.DictReader(handle)}


def pairs(counts: Counter[str]) -> int:
    """Unordered pairs within groups of the given sizes."""
    return sum(c * (c - 1) // 2 for c in counts.values())


def pairwise_scores(result: PipelineResult, out_dir: Path) -> tuple[float, float]:
    """(precision, recall) of the report's clusters against the truth's entities."""
    truth = truth_entities(out_dir)
    true_pairs = pairs(Counter(truth.values()))
    predicted = correct = 0
    for cluster in result.report["clusters"]:
        members = [truth[(m["file"], m["row"])] for m in cluster["members"]]
        predicted += len(members) * (len(members) - 1) // 2
        correct += pairs(Counter(members))
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    return precision, recall


def mapping_errors(result: PipelineResult, out_dir: Path) -> list[str]:
    """Headers the report maps differently from headers.json."""
    expected: dict[str, dict[str, Any]] = json.loads((out_dir / "headers.json").read_text())
    errors = []
    for file_report in result.report["files"]:
        for header, field in expected[file_report["filename"]].items():
            match = file_report["mapping"][header]
            # an address part (City, Country) feeds its field and is kept as its own column
            got = match["field"] or match.get("feeds")
            if got != field:
                errors.append(f"{file_report['filename']}: {header!r} -> {got!r}, want {field!r}")
    return errors
