"""Running a case through the pipeline and scoring its clusters pairwise against the truth."""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from app.processing.pipeline import InputFile, MergeOptions, run
from tests.quality.cases.base import Built, Case

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings" / "field_mappings.json"
Row = tuple[str, int]


@dataclass(frozen=True)
class Score:
    case: str
    rows: int
    entities: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    seconds: float
    clusters: list[list[Row]]  # the report's clusters, as (file, row)

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def duplicate_share(self) -> float:
        return (self.rows - self.entities) / self.rows if self.rows else 0.0

    def line(self) -> str:
        return (
            f"{self.case:<26} rows {self.rows:>6}  true pairs {self.true_pairs:>6}  "
            f"predicted {self.predicted_pairs:>6}  P {self.precision:.3f}  R {self.recall:.3f}  "
            f"F1 {self.f1:.3f}  {self.seconds:5.2f} s"
        )


def pairs(counts: Counter[str]) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def load_mappings() -> dict[str, Any]:
    """The shipped mappings document, read fresh for each run."""
    mappings: dict[str, Any] = json.loads(MAPPINGS.read_text(encoding="utf-8"))
    return mappings


def evaluate(case: Case, out: Path) -> tuple[Score, Built]:
    """Write the case into out, merge its files, score the clusters against its truth."""
    built = case.build(out)
    inputs = [InputFile(p, p.name) for p in built.files]
    started = time.perf_counter()
    result = run(inputs, load_mappings(), MergeOptions(case.table_type))
    seconds = time.perf_counter() - started
    truth = built.truth
    predicted = correct = 0
    clusters = []
    for cluster in result.report["clusters"]:
        members: list[Row] = [(m["file"], m["row"]) for m in cluster["members"]]
        clusters.append(members)
        # a row the truth does not know (a preamble line read as data) is an entity of its own
        ids = [truth.get(m, f"unknown:{m[0]}:{m[1]}") for m in members]
        predicted += len(ids) * (len(ids) - 1) // 2
        correct += pairs(Counter(ids))
    entities = Counter(truth.values())
    score = Score(
        case=case.name,
        rows=len(truth),
        entities=len(entities),
        true_pairs=pairs(entities),
        predicted_pairs=predicted,
        correct_pairs=correct,
        seconds=seconds,
        clusters=clusters,
    )
    return score, built


def examples(
    score: Score, built: Built, limit: int = 4
) -> tuple[
    list[tuple[dict[str, str], dict[str, str]]], list[tuple[dict[str, str], dict[str, str]]]
]:
    """(missed pairs, false merges), each as the two rows' values side by side."""
    truth, values = built.truth, built.values
    cluster_of: dict[Row, int] = {}
    false: list[tuple[Row, Row]] = []
    for k, members in enumerate(score.clusters):
        for m in members:
            cluster_of[m] = k
        false.extend((a, b) for a, b in combinations(members, 2) if truth.get(a) != truth.get(b))
    by_entity: dict[str, list[Row]] = defaultdict(list)
    for row, entity in sorted(truth.items()):
        by_entity[entity].append(row)
    missed = [
        (a, b)
        for rows in by_entity.values()
        for a, b in combinations(rows, 2)
        if cluster_of.get(a, -1) != cluster_of.get(b, -2)
    ]
    rng = random.Random(0)  # the same examples every run
    missed = rng.sample(missed, min(limit, len(missed)))
    false = rng.sample(false, min(limit, len(false)))

    def side(pair: tuple[Row, Row]) -> tuple[dict[str, str], dict[str, str]]:
        a, b = pair
        return (
            {"_row": f"{a[0]}:{a[1]}", **values.get(a, {})},
            {"_row": f"{b[0]}:{b[1]}", **values.get(b, {})},
        )

    return [side(p) for p in missed], [side(p) for p in false]
