"""Fixtures for the processing core's tests: the shipped mappings document and file writing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MAPPINGS_FILE = Path(__file__).resolve().parents[3] / "mappings" / "field_mappings.json"


@pytest.fixture(scope="session")
def mappings() -> dict[str, Any]:
    """The shipped default mappings document."""
    return json.loads(MAPPINGS_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[[bytes], Path]:
    """Write bytes to a fresh .csv file and return its path."""
    counter = iter(range(1000))

    def write(data: bytes, name: str | None = None) -> Path:
        path = tmp_path / (name or f"file_{next(counter)}.csv")
        path.write_bytes(data)
        return path

    return write
