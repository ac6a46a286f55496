"""The SAQ worker: which tasks it runs, with which context, timers and shutdown grace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from saq import Worker
from saq.types import Context

from app.jobs import tasks
from app.resources import Resources

log = logging.getLogger(__name__)

# Give in-flight deliveries time to checkpoint when the process is asked to stop.
SHUTDOWN_GRACE_SECONDS = 20


def create_worker(resources: Resources, *, concurrency: int | None = None) -> Worker:
    """A worker whose tasks find the shared resources in their context."""
    settings = resources.settings

    async def startup(ctx: Context) -> None:
        ctx["resources"] = resources  # type: ignore[typeddict-unknown-key]
        # Sweep before taking jobs: SAQ's upkeep sweeps at once otherwise, racing the first
        # dequeue (a job not yet marked active looks stale); this takes the sweep lock first.
        await resources.queue.sweep()

    worker = Worker(
        resources.queue,
        functions=tasks.TASKS,
        cron_jobs=tasks.cron_jobs(settings),
        concurrency=concurrency or max(4, settings.MAX_CONCURRENT_JOBS_PER_SESSION * 2),
        startup=startup,
        timers={"sweep": 30, "abort": 1, "schedule": 1, "worker_info": 10},
        # run_worker waits for running jobs itself; then SAQ may cancel at once.
        shutdown_grace_period_s=0,
        id=f"{socket.gethostname()}:{id(resources):x}",
    )
    # The process owns signal handling (web and worker share one event loop).
    worker.SIGNALS = []  # type: ignore[misc]
    return worker


async def run_worker(
    worker: Worker, stop: asyncio.Event, grace_seconds: float = SHUTDOWN_GRACE_SECONDS
) -> None:
    """Run the worker until `stop` is set; give running jobs `grace_seconds`, then cancel them.

    SAQ's own stop waits for its idle dequeue and upkeep loops for the whole grace period, so
    we wait only for the running jobs and then let SAQ cancel the rest at once (a cancelled job
    checkpoints and is re-queued by SAQ).
    """
    task = asyncio.create_task(worker.start())
    await stop.wait()
    running = [context["task"] for context in worker.job_task_contexts.values()]
    if running:
        await asyncio.wait(running, timeout=grace_seconds)
    await worker.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
