"""SAQ tasks: thin wrappers that hand a job id to the services that do the work."""

from __future__ import annotations

import os
from typing import Any

from saq import CronJob
from saq.types import Context

from app.config import Settings


async def ping(ctx: Context, *, value: str) -> dict[str, Any]:
    """Answer with the value and who ran it: proves the queue and a worker are wired."""
    return {"pong": value, "worker": str(ctx["worker"].id), "pid": os.getpid()}


TASKS: list[Any] = [ping]


def cron_jobs(settings: Settings) -> list[CronJob[Any]]:
    """Periodic tasks (cleanup arrives with the retention work)."""
    return []
