"""One repetition of bench/stress_crash_resume.py: kill the whole app mid-delivery, restart it
on the same DATA_DIR, and the job completes with every record delivered (the bench repeats it
20 times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.stress_crash_resume import DEADLINE_SECONDS, RECORDS, run_once

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.mark.parametrize("whole_group", [True], ids=["server-and-redis-killed"])
def test_a_job_resumes_and_completes_after_the_whole_app_is_killed_and_restarted(
    tmp_path: Path, whole_group: bool
) -> None:
    result = run_once(tmp_path, kill_at=90, whole_group=whole_group)
    assert result.delivered_keys == RECORDS, result.line()
    assert result.status == "completed", result.line()
    assert result.seconds_after_restart < DEADLINE_SECONDS, result.line()
