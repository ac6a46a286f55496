"""Recovery: a job whose run died (worker killed, shutdown, lost queue entry) runs again,
or fails with a message after too many tries. Runs in every worker."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update

from app.queue import enqueue_delivery, enqueue_processing, queue_entry_waiting
from app.resources import Resources
from app.services import job_rows, job_runs
from app.storage.models import ACTIVE_STATUSES, Job

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 10
MAX_RECOVERIES = 3
GAVE_UP_MESSAGE = (
    "The job stopped unexpectedly {runs} times (a worker crashed or was stopped) and was "
    "not retried again. Please start it once more; if it keeps failing, contact the operator."
)


async def recover_stalled(res: Resources) -> list[str]:
    """Queue again every active job whose lease expired; returns their ids."""
    now = datetime.now(UTC)
    async with res.db() as db:
        query = select(Job).where(Job.status.in_(ACTIVE_STATUSES), Job.lease_expires_at < now)
        stalled = list((await db.scalars(query)).all())
    recovered = []
    for job in stalled:
        if await _take_over(res, job, now):
            recovered.append(job.id)
    return recovered


async def _take_over(res: Resources, job: Job, now: datetime) -> bool:
    """Atomically mark the job queued again, so only one worker's sweep re-queues it.

    A job that was only waiting in the queue (its lease says "queued") is queued again without
    counting against it: a long queue is not a crash. A run that stopped holding the lease is.
    """
    was_running = job.lease_owner != job_runs.QUEUED
    async with res.db.begin() as db:
        result = await db.execute(
            update(Job)
            .where(
                Job.id == job.id,
                Job.lease_expires_at == job.lease_expires_at,
                Job.status.in_(ACTIVE_STATUSES),
            )
            .values(
                lease_owner=job_runs.QUEUED,
                lease_expires_at=job_runs.lease_until(job_runs.QUEUED_GRACE_SECONDS),
                recoveries=Job.recoveries + int(was_running),
            )
        )
    if getattr(result, "rowcount", 0) != 1:
        return False
    if not was_running and await queue_entry_waiting(res.queue, job.id):
        return False  # still in the queue behind other work: its lease was just extended
    if was_running and job.recoveries >= MAX_RECOVERIES:
        await job_rows.fail(res, job, GAVE_UP_MESSAGE.format(runs=job.recoveries + 1))
        log.warning("job %s failed after %s recoveries", job.id, job.recoveries)
        return True
    run = f"recovery{job.recoveries + 1}-{secrets.token_hex(3)}"
    if job.status == "delivering" and job.is_result_ready:
        await enqueue_delivery(res.queue, job.id, run, include_failed=job.is_delivery_paused)
    else:
        await enqueue_processing(res.queue, res.settings, job.id, run)
    log.info("job %s queued again after its run stopped (%s)", job.id, job.status)
    return True


async def sweep_quietly(res: Resources) -> None:
    """One round of the recovery loop a worker runs beside its jobs."""
    try:
        await recover_stalled(res)
    except Exception:  # Redis or the database away for a moment: try again next round
        log.warning("recovery sweep failed", exc_info=True)
