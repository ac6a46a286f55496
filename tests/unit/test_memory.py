"""The merge's process-wide memory setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHECK = "from app.memory import prefer_small_pages; prefer_small_pages(); " + (
    "print(next(l for l in open('/proc/self/status') if l.startswith('THP_enabled')))"
)


@pytest.mark.skipif(
    not Path("/proc/self/status").is_file()
    or "THP_enabled" not in Path("/proc/self/status").read_text(),
    reason="the kernel does not report transparent huge pages per process",
)
def test_prefer_small_pages_turns_huge_pages_off_for_the_process() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["THP_enabled:", "0"]
