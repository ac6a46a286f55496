"""Where files live under DATA_DIR. Names come from ids we generate, never from user input."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    """A random 128-bit id, safe as a file name."""
    return secrets.token_hex(16)


def is_valid_id(value: str) -> bool:
    return bool(_ID.match(value))


def _checked(value: str) -> str:
    if not is_valid_id(value):
        raise ValueError(f"not an id: {value!r}")
    return value


@dataclass(frozen=True)
class DataPaths:
    """The layout of DATA_DIR."""

    root: Path

    @property
    def sessions(self) -> Path:
        return self.root / "sessions"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    def session_dir(self, session_id: str) -> Path:
        return self.sessions / _checked(session_id)

    def upload_file(self, session_id: str, stored_name: str) -> Path:
        return self.session_dir(session_id) / "uploads" / _checked(stored_name)

    def job_dir(self, session_id: str, job_id: str) -> Path:
        return self.session_dir(session_id) / "jobs" / _checked(job_id)

    def result_csv(self, session_id: str, job_id: str) -> Path:
        return self.job_dir(session_id, job_id) / "result.csv"

    def result_records(self, session_id: str, job_id: str) -> Path:
        return self.job_dir(session_id, job_id) / "result.arrow"

    def report(self, session_id: str, job_id: str) -> Path:
        return self.job_dir(session_id, job_id) / "report.json"

    def preview(self, session_id: str, job_id: str) -> Path:
        return self.job_dir(session_id, job_id) / "preview.json"
