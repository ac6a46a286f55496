"""The SAQ worker: which tasks it runs, with which context, timers and shutdown grace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import Any

from saq import Worker
from saq.types import Context

from app.jobs import tasks
from app.resources import Resources
from app.services import recovery
from app.services.loops import Loop

log = logging.getLogger(__name__)

# Give in-flight deliveries time to checkpoint when the process is asked to stop.
SHUTDOWN_GRACE_SECONDS = 20


def create_worker(resources: Resources, *, concurrency: int | None = None) -> Worker[Any]:
    """A worker whose tasks find the shared resources, and a shutdown flag, in their context."""
    settings = resources.settings
    draining = asyncio.Event()
    background: list[Loop] = []

    async def startup(ctx: Context) -> None:
        ctx["resources"] = resources  # type: ignore[typeddict-unknown-key]
        ctx["draining"] = draining  # type: ignore[typeddict-unknown-key]
        # Sweep before taking jobs: SAQ's upkeep sweeps at once otherwise, racing the first
        # dequeue (a job not yet marked active looks stale); this takes the sweep lock first.
        await resources.queue.sweep()
        sweep = Loop(lambda: recovery.sweep_quietly(resources), recovery.SWEEP_EVERY_SECONDS)
        background.append(sweep.start())

    async def shutdown(ctx: Context) -> None:
        for loop in background:
            await loop.stop()

    worker: Worker[Any] = Worker(
        resources.queue,
        functions=tasks.TASKS,
        cron_jobs=tasks.cron_jobs(settings),
        concurrency=concurrency or max(4, settings.MAX_CONCURRENT_JOBS_PER_SESSION * 2),
        startup=startup,
        shutdown=shutdown,
        # SAQ's sweep can abort a job another worker has just dequeued but not yet marked
        # active; job recovery is our own (leases in the database), so SAQ sweeps rarely.
        timers={"sweep": 3600, "abort": 1, "schedule": 1, "worker_info": 10},
        # run_worker waits for running jobs itself; then SAQ may cancel at once.
        shutdown_grace_period_s=0,
        # No colons: SAQ's queue info splits worker keys on them and would lose this worker.
        id=f"{socket.gethostname()}-{os.getpid()}-{id(resources):x}",
    )
    worker.context["draining"] = draining
    # The process owns signal handling (web and worker share one event loop).
    worker.SIGNALS = []
    return worker


async def run_worker(
    worker: Worker[Any], stop: asyncio.Event, grace_seconds: float = SHUTDOWN_GRACE_SECONDS
) -> None:
    """Run the worker until `stop` is set; give running jobs `grace_seconds`, then cancel them.

    Running jobs are told to drain (checkpoint and hand the job back for another worker to
    resume). SAQ's own stop would wait for its idle dequeue and upkeep loops for the whole
    grace period, so we wait only for the running jobs and then let SAQ cancel the rest.
    """
    task = asyncio.create_task(worker.start())
    await stop.wait()
    worker.context["draining"].set()
    running = [context["task"] for context in worker.job_task_contexts.values()]
    if running:
        await asyncio.wait(running, timeout=grace_seconds)
    await worker.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
