"""Recovery: a job whose run died (worker killed, shutdown, lost queue entry) runs again,
or fails with a message after too many tries. Runs in every worker."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime

from saq.job import Status
from sqlalchemy import select, update

from app.queue import enqueue_delivery, enqueue_processing, is_entry_in_line, queue_entry
from app.resources import Resources
from app.services import job_rows, job_runs, liveness
from app.storage.models import ACTIVE_STATUSES, Job

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 10
SWEEP_TIMEOUT_SECONDS = 60
MAX_RECOVERIES = 3
GAVE_UP_MESSAGE = (
    "The job stopped unexpectedly {runs} times (a worker crashed or was stopped) and was "
    "not retried again. Please start it once more; if it keeps failing, contact the operator."
)


async def recover_stalled(res: Resources) -> list[str]:
    """Queue again every active job whose lease expired or whose run's process is gone;
    returns their ids."""
    now = datetime.now(UTC)
    async with res.db() as db:
        query = select(Job).where(Job.status.in_(ACTIVE_STATUSES))
        active = list((await db.scalars(query)).all())
    stalled = [job for job in active if _is_expired(job, now)]
    stalled += await _abandoned(res, [job for job in active if not _is_expired(job, now)])
    recovered = []
    for job in stalled:
        try:
            if await _take_over(res, job, now):
                recovered.append(job.id)
        except Exception:  # one job's trouble must not keep the others from recovery
            log.warning("could not recover job %s; trying again next round", job.id, exc_info=True)
    return recovered


def _is_expired(job: Job, now: datetime) -> bool:
    expires = job.lease_expires_at
    if expires is None:
        return False
    if expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=UTC)
    return expires < now


async def _abandoned(res: Resources, jobs: list[Job]) -> list[Job]:
    """Jobs whose lease has not run out but whose run's process no longer beats."""
    if not jobs:
        return []
    me = liveness.process_id()
    if not (await liveness.alive(res.redis, [me]))[me]:
        return []  # our own beat is missing too: Redis lost its keys; leases still decide
    owners = {job.id: liveness.owner_process(job.lease_owner or "") for job in jobs}
    processes = sorted({process for process in owners.values() if process})
    is_alive = await liveness.alive(res.redis, processes)
    return [job for job in jobs if owners[job.id] and not is_alive[owners[job.id] or ""]]


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
    if not was_running and await _entry_waiting(res, job.id):
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


async def _entry_waiting(res: Resources, job_id: str) -> bool:
    """The job's newest queue entry is still in line for a worker.

    Only an entry waiting in the queue's list counts. One that a worker took would have
    claimed the lease within moments; an active one whose lease is still "queued" after the
    grace was taken by a worker that died (SAQ clears those only in its hourly sweep), and one
    that says "queued" but is in no list was handed to a connection nobody reads. Trusting
    either kept jobs waiting for ever.
    """
    entry = await queue_entry(res.queue, job_id)
    if entry is None or entry.status != Status.QUEUED:
        return False
    return await is_entry_in_line(res.queue, entry)


async def sweep_quietly(res: Resources) -> None:
    """One round of the recovery loop a worker runs beside its jobs."""
    try:
        # A round that hangs (a connection that never answers) must not end recovery: the
        # loop only goes on once the round returns.
        async with asyncio.timeout(SWEEP_TIMEOUT_SECONDS):
            await recover_stalled(res)
    except Exception:  # Redis or the database away for a moment: try again next round
        log.warning("recovery sweep failed", exc_info=True)
