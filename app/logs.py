"""Logging: one line per event, tagged with the job and session it concerns.

Every line written while a job runs (or a request of a session is served) carries their ids,
as `job=… session=…` in text or as fields in JSON (LOG_FORMAT=json, for log collectors).
Lines never carry record contents. httpx's own request lines are kept out below WARNING: they
print whole webhook URLs, and those often hold a token.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
_session_id: ContextVar[str | None] = ContextVar("session_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(ids)s"
QUIET_LOGGERS = ("httpx", "httpcore")


def bind(*, job_id: str | None = None, session_id: str | None = None) -> None:
    """Tag what the current task (and the tasks it starts) logs from now on."""
    if job_id is not None:
        _job_id.set(job_id)
    if session_id is not None:
        _session_id.set(session_id)


class _ContextIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        job_id, session_id = _job_id.get(), _session_id.get()
        ids = [f"job={job_id}"] if job_id else []
        ids += [f"session={session_id}"] if session_id else []
        record.__dict__.update(
            job_id=job_id, session_id=session_id, ids=(" " + " ".join(ids)) if ids else ""
        )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, and the error if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("job_id", "session_id"):
            value = getattr(record, name, None)
            if value:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, log_format: str = "text") -> None:
    """Set up the root logger once for a process of the `csv-merger` command."""
    handler = logging.StreamHandler()
    handler.addFilter(_ContextIds())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
