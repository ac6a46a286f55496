"""SAQ tasks: thin wrappers that hand a job id to the services that do the work."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError
from saq import CronJob
from saq.types import Context
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout

from app import logs
from app.config import Settings
from app.queue import enqueue_delivery
from app.resources import Resources
from app.services import cleanup as cleanup_service
from app.services import delivery_runs, job_rows, job_runs, liveness, processing_runs
from app.storage.models import Job

log = logging.getLogger(__name__)


# A dependency that was away for a moment: the run is retried by recovery, not failed.
TRANSIENT_ERRORS = (DBAPIError, SQLAlchemyTimeout, RedisError, OSError)
CRASH_MESSAGE = (
    "Processing stopped on an unexpected error; please try again or contact the operator."
)


def _resources(ctx: Context) -> Resources:
    return ctx["resources"]  # type: ignore[typeddict-item, no-any-return]


def _owner() -> str:
    """Unique per run: two queue entries of one job in one worker are two different runs.

    It names the process too (host, pid, a per-process token), so that recovery can tell a
    lease whose process is gone (app/services/liveness.py).
    """
    return liveness.new_owner()


async def _claim(
    ctx: Context, job_id: str, kind: str, is_runnable: Callable[[Job], bool]
) -> tuple[Resources, str, Job] | None:
    """Take the job's lease for this run; None (lease handed back) if it is not ours to run."""
    res, owner = _resources(ctx), _owner()
    if not await job_runs.claim(res, job_id, owner):
        log.info("job %s: %s not started, another run holds it or it ended", job_id, kind)
        return None
    async with res.db() as db:
        job = await db.get(Job, job_id)
    if job is None or not is_runnable(job):  # a stale queue entry: recovery decides what next
        await job_runs.release(res, job_id, owner, requeue_after=0)
        return None
    logs.bind(job_id=job.id, session_id=job.session_id)
    log.info("job %s: %s on %s", job_id, kind, owner)
    return res, owner, job


async def ping(ctx: Context, *, value: str) -> dict[str, Any]:
    """Answer with the value and who ran it: proves the queue and a worker are wired."""
    return {"pong": value, "worker": str(ctx["worker"].id), "pid": os.getpid()}


async def process_job(ctx: Context, *, job_id: str) -> dict[str, Any]:
    """Run the pipeline for one job; queue its delivery when it has a webhook."""
    claimed = await _claim(
        ctx, job_id, "processing", lambda job: job.status in ("pending", "processing")
    )
    if claimed is None:
        return {"job_id": job_id, "ran": False}
    res, owner, job = claimed
    async with job_runs.controlled_run(res, job, owner, _heartbeat(ctx), _draining(ctx)) as ctl:
        try:
            done = await processing_runs.run(res, job, ctl)
        except TRANSIENT_ERRORS:
            log.warning("job %s: processing interrupted; it will run again", job_id, exc_info=True)
            raise
        except Exception:
            log.exception("job %s: processing crashed", job_id)
            await job_rows.fail(res, job, CRASH_MESSAGE, only_if=("pending", "processing"))
            raise
    if done is not None and done.status == "delivering":
        await enqueue_delivery(res.queue, job_id, done.run_count)
    return {"job_id": job_id, "ran": True, "status": done.status if done else None}


async def deliver_job(ctx: Context, *, job_id: str, include_failed: bool = False) -> dict[str, Any]:
    """Send the job's records to its webhook, resuming where an earlier run stopped."""
    claimed = await _claim(
        ctx, job_id, "delivery", lambda job: job.status == "delivering" and job.is_result_ready
    )
    if claimed is None:
        return {"job_id": job_id, "ran": False}
    res, owner, job = claimed
    async with job_runs.controlled_run(res, job, owner, _heartbeat(ctx), _draining(ctx)) as ctl:
        try:
            await delivery_runs.run(res, job, ctl, include_failed=include_failed)
        except Exception:
            log.exception("job %s: delivery crashed", job_id)
            raise
    return {"job_id": job_id, "ran": True}


def _heartbeat(ctx: Context) -> Any:
    saq_job = ctx.get("job")
    return saq_job.update if saq_job is not None else None


def _draining(ctx: Context) -> asyncio.Event | None:
    return ctx.get("draining")  # type: ignore[return-value]


async def cleanup(ctx: Context) -> dict[str, Any]:
    """Delete what is older than the retention and sessions that expired."""
    counts = await cleanup_service.run(_resources(ctx))
    return dataclasses.asdict(counts)


TASKS: list[Any] = [ping, process_job, deliver_job, cleanup]


def cron_jobs(settings: Settings) -> list[CronJob[Any]]:
    """Periodic tasks: cleanup, once across all workers (SAQ cron jobs are unique)."""
    return [
        CronJob(
            cleanup,
            cron=cleanup_service.cron_expression(settings.CLEANUP_INTERVAL_MINUTES),
            timeout=1800,
            ttl=24 * 3600,
        )
    ]
