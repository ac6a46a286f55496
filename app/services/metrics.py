"""Operational numbers for monitoring: queue depth, workers, jobs by status, delivery rates.

Aggregates only: no job or session ids, so the answer says nothing about anyone's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from app.resources import Resources
from app.services import progress
from app.storage.models import ACTIVE_STATUSES, TERMINAL_STATUSES, Job

STATUSES = ACTIVE_STATUSES + TERMINAL_STATUSES


async def describe(res: Resources) -> dict[str, Any]:
    """GET /api/metrics."""
    info = await res.queue.info(jobs=False)
    async with res.db() as db:
        counted = await db.execute(select(Job.status, func.count()).group_by(Job.status))
        by_status = {status: int(count) for status, count in counted.all()}
        delivering = (
            await db.execute(
                select(Job.session_id, Job.id, Job.rate_limit).where(Job.status == "delivering")
            )
        ).all()
    return {
        "queue": {
            "name": info["name"],
            "queued": int(info["queued"]),
            "active": int(info["active"]),
            "scheduled": int(info["scheduled"]),
        },
        "workers": len(info["workers"]),
        "jobs": {status: by_status.get(status, 0) for status in STATUSES},
        "delivery": await _delivery(res, delivering),
    }


async def _delivery(res: Resources, jobs: Sequence[Any]) -> dict[str, Any]:
    """The live rates of the jobs delivering now, from their Redis hashes."""
    async with res.redis.pipeline(transaction=False) as pipe:
        for session_id, job_id, _rate in jobs:
            pipe.hmget(progress.live_key(session_id, job_id), "current_rate", "rate_limit")
        live = await pipe.execute() if jobs else []
    current = [_number(values[0]) for values in live]
    limits = [
        _number(values[1], fallback=job.rate_limit) for values, job in zip(live, jobs, strict=True)
    ]
    return {
        "jobs_delivering": len(jobs),
        "current_rate_total": round(sum(current), 2),
        "unlimited_jobs": sum(1 for limit in limits if limit == 0),
        "rate_limit_total": round(sum(limit for limit in limits if limit > 0), 2),
    }


def _number(value: Any, fallback: float = 0.0) -> float:
    try:
        return float(value) if value is not None else float(fallback)
    except (TypeError, ValueError):
        return float(fallback)
