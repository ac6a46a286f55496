"""One run of a job on a worker: a lease in the database so that two runs never both proceed,
and a control loop that renews it and follows cancel and rate changes from Redis."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update

from app.resources import Resources
from app.services import progress
from app.services.loops import Loop
from app.storage.models import ACTIVE_STATUSES, Job

log = logging.getLogger(__name__)

# Longer than the database's busy timeout, so one slow renewal never loses a healthy run.
LEASE_SECONDS = 60
RENEW_EVERY_SECONDS = 15
CONTROL_POLL_SECONDS = 0.25
HEARTBEAT_EVERY_SECONDS = 30
# Lease owners that are not a worker: a job waiting in the queue, and a run that crashed.
# Any worker may claim either.
QUEUED = "queued"
CRASHED = "crashed"
# How long a queued job may go unclaimed before recovery looks at its queue entry: one still
# in line just gets more time; one no worker will run is queued again.
QUEUED_GRACE_SECONDS = 20


def lease_until(seconds: float = LEASE_SECONDS) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def claim(res: Resources, job_id: str, owner: str) -> bool:
    """Take the job's lease if it is free or expired; False means another run holds it."""
    now = datetime.now(UTC)
    async with res.db.begin() as db:
        result = await db.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status.in_(ACTIVE_STATUSES),
                or_(
                    Job.lease_expires_at.is_(None),
                    Job.lease_expires_at < now,
                    Job.lease_owner.in_((QUEUED, CRASHED)),
                ),
            )
            .values(lease_owner=owner, lease_expires_at=lease_until(), run_count=Job.run_count + 1)
        )
    return bool(getattr(result, "rowcount", 0) == 1)


async def renew(res: Resources, job_id: str, owner: str) -> bool:
    """Extend our lease; False when we lost it (the job was taken over or ended)."""
    async with res.db.begin() as db:
        result = await db.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner)
            .values(lease_expires_at=lease_until())
        )
    return bool(getattr(result, "rowcount", 0) == 1)


async def release(
    res: Resources, job_id: str, owner: str, *, requeue_after: float, crashed: bool = False
) -> None:
    """Give the lease back at the end of a run.

    A job that is still active keeps a "queued" lease: when nobody claims it within
    `requeue_after` seconds (its next run was lost, or the worker stopped), recovery queues it.
    A crashed run leaves a "crashed" lease, which recovery counts against the job.
    """
    async with res.db.begin() as db:
        await db.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner)
            .values(
                lease_owner=CRASHED if crashed else QUEUED,
                lease_expires_at=lease_until(requeue_after),
            )
        )


class RunControl:
    """What a run reads while it works: cancellation, the live rate, and whether to stop.

    `is_cancelled` is a thread-safe check, so the processing thread can poll it too.
    """

    def __init__(self, job_id: str, rate_limit: float) -> None:
        self.job_id = job_id
        self.rate_limit = rate_limit
        self._stop = threading.Event()
        self.reason: str | None = None

    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    def rate(self) -> float:
        return self.rate_limit

    def stop(self, reason: str) -> None:
        if not self._stop.is_set():
            self.reason = reason
            self._stop.set()


@asynccontextmanager
async def controlled_run(
    res: Resources,
    job: Job,
    owner: str,
    heartbeat: Callable[[], Awaitable[Any]] | None = None,
    draining: asyncio.Event | None = None,
) -> AsyncIterator[RunControl]:
    """Keep the lease and follow Redis control flags for the length of the block."""
    control = RunControl(job.id, job.rate_limit)
    watcher = _Watcher(res, job.id, owner, control, heartbeat, draining)
    loop = Loop(watcher.round, CONTROL_POLL_SECONDS).start()
    try:
        yield control
    except BaseException:
        control.stop("aborted")
        await loop.stop()
        await release(res, job.id, owner, requeue_after=0, crashed=True)  # recover it at once
        raise
    await loop.stop()
    interrupted = control.reason in ("shutdown", "lease lost")
    await release(res, job.id, owner, requeue_after=0 if interrupted else QUEUED_GRACE_SECONDS)


class _Watcher:
    """One round: follow the flags, renew the lease and beat SAQ's heartbeat when due."""

    def __init__(
        self,
        res: Resources,
        job_id: str,
        owner: str,
        control: RunControl,
        heartbeat: Callable[[], Awaitable[Any]] | None,
        draining: asyncio.Event | None,
    ) -> None:
        self.res, self.job_id, self.owner, self.control = res, job_id, owner, control
        self.heartbeat, self.draining = heartbeat, draining
        self.renewed = self.beat = asyncio.get_running_loop().time()

    async def round(self) -> None:
        try:
            await _follow_flags(self.res, self.job_id, self.control)
            if self.draining is not None and self.draining.is_set():
                self.control.stop("shutdown")
            now = asyncio.get_running_loop().time()
            if now - self.renewed >= RENEW_EVERY_SECONDS:
                self.renewed = now
                if not await renew(self.res, self.job_id, self.owner):
                    self.control.stop("lease lost")
            if self.heartbeat is not None and now - self.beat >= HEARTBEAT_EVERY_SECONDS:
                self.beat = now
                await self.heartbeat()
        except Exception:  # Redis or the database briefly away: keep working, retry soon
            log.warning(
                "job %s: control loop could not reach Redis/database", self.job_id, exc_info=True
            )


async def _follow_flags(res: Resources, job_id: str, control: RunControl) -> None:
    flags = await progress.read_control(res.redis, job_id)
    if flags.get("cancel") == "1":
        control.stop("cancelled")
    if flags.get("rate"):
        control.rate_limit = float(flags["rate"])
