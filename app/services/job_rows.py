"""Writes to a job's row that respect its state: an update names the statuses it may change."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from app.resources import Resources
from app.services import progress
from app.storage.models import ACTIVE_STATUSES, Job

log = logging.getLogger(__name__)


async def mark(
    res: Resources, job_id: str, only_if: tuple[str, ...] | None = None, **values: Any
) -> bool:
    """Update the job row; with `only_if`, only while it is in one of those statuses.

    Returns whether the row changed, so a run notices that the job was cancelled meanwhile.
    """
    query = update(Job).where(Job.id == job_id).values(**values)
    if only_if:
        query = query.where(Job.status.in_(only_if))
    async with res.db.begin() as db:
        result = await db.execute(query)
    return bool(getattr(result, "rowcount", 0))


async def fail(
    res: Resources, job: Job, message: str, only_if: tuple[str, ...] = ACTIVE_STATUSES
) -> bool:
    """End the job as failed with a message a person understands (unless it already ended)."""
    changed = await mark(
        res,
        job.id,
        only_if=only_if,
        status="failed",
        stage="failed",
        error_message=message,
        finished_at=datetime.now(UTC),
    )
    if changed:
        await publish_quietly(res, job, status="failed", error_message=message)
    return changed


async def publish_quietly(res: Resources, job: Job, **counters: Any) -> None:
    """Live progress is best effort: a Redis hiccup must not fail work already committed."""
    try:
        await progress.publish(res.redis, job.session_id, job.id, **counters)
    except Exception:  # Redis briefly away; the database row stays the truth
        log.warning("could not publish progress of job %s", job.id, exc_info=True)
