"""Dedupe quality per matching phenomenon: hand-written cases with their traps, FEBRL registers.

Each case (tests/quality/cases/) writes the CSV files real tools export, with one phenomenon
(nicknames, suffixes, "Last, First", middle names, accents, e-mail and phone formats, legal
forms, branches, one agency's sites, abbreviations, name-and-address lists, registers without
company or e-mail) and the traps that test precision (namesakes at one employer, common names,
switchboards, role e-mails, other profiles, numbered branches, shared domains, chains). The
report's clusters are scored pairwise against the case's truth; every case must reach
precision 0.98 and recall 0.90. Scores are printed per case (with -s) and in the summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.quality.cases import CASES, Built, Case, Score, evaluate, examples

MIN_PRECISION = 0.98
MIN_RECALL = 0.90
SCORES: dict[str, Score] = {}


class _Summary:
    """Prints the scores of the cases run, as a table at the end of the session."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not SCORES:
            return
        terminalreporter.section("dedupe quality per phenomenon")
        for name in (c.name for c in CASES):
            if name in SCORES:
                score = SCORES[name]
                low = score.precision < MIN_PRECISION or score.recall < MIN_RECALL
                terminalreporter.write_line(score.line() + ("  <- below target" if low else ""))


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("phenomena-summary"):
        manager.register(_Summary(), "phenomena-summary")


def _row(values: dict[str, str]) -> str:
    return " | ".join(v for v in values.values() if v)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_precision_and_recall(case: Case, tmp_path: Path) -> None:
    score, built = evaluate(case, tmp_path / case.name)
    SCORES[case.name] = score
    print(score.line())  # noqa: T201
    _check_shape(case, built)
    missed, false = examples(score, built, limit=1)
    detail = "".join(f"\n  missed: {_row(a)}\n     and: {_row(b)}" for a, b in missed)
    detail += "".join(f"\n  merged: {_row(a)}\n    with: {_row(b)}" for a, b in false)
    assert score.precision >= MIN_PRECISION and score.recall >= MIN_RECALL, (
        f"{case.name}: precision {score.precision:.3f}, recall {score.recall:.3f}{detail}"
    )


def _check_shape(case: Case, built: Built) -> None:
    """A case is 2-6 files, every data row in the truth, with duplicates to find."""
    assert 2 <= len(built.files) <= 6
    rows = len(built.truth)
    assert rows == len(built.values)
    entities = len(set(built.truth.values()))
    if not case.name.startswith("febrl"):  # FEBRL's shares are the data sets' own
        assert 200 <= rows <= 2000, rows
        assert 0.15 <= (rows - entities) / rows <= 0.40, (rows, entities)
