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
from app.services import liveness, recovery
from app.services.loops import Loop

log = logging.getLogger(__name__)

# Give in-flight deliveries time to checkpoint when the process is asked to stop.
SHUTDOWN_GRACE_SECONDS = 20
RESTART_WAIT_SECONDS = 2


def create_worker(resources: Resources, *, concurrency: int | None = None) -> Worker[Any]:
    """A worker whose tasks find the shared resources, and a shutdown flag, in their context."""
    settings = resources.settings
    draining = asyncio.Event()
    background: list[Loop] = []

    async def startup(ctx: Context) -> None:
        ctx["resources"] = resources  # type: ignore[typeddict-unknown-key]
        ctx["draining"] = draining  # type: ignore[typeddict-unknown-key]
        # Alive before the first claim: a lease of ours must never look abandoned.
        beat = Loop(lambda: _beat_quietly(resources, worker.id), liveness.ALIVE_EVERY_SECONDS)
        background.append(beat.start())
        # Sweep before taking jobs: SAQ's upkeep sweeps at once otherwise, racing the first
        # dequeue (a job not yet marked active looks stale); this takes the sweep lock first.
        # A failure here (Redis still loading, say) must not stop the worker: SAQ would end
        # it quietly while the web app went on, and nothing would run or be recovered.
        try:
            await resources.queue.sweep()
        except Exception:
            log.warning("the start-up queue sweep failed; recovery sweeps go on", exc_info=True)
        sweep = Loop(lambda: recovery.sweep_quietly(resources), recovery.SWEEP_EVERY_SECONDS)
        background.append(sweep.start())

    async def shutdown(ctx: Context) -> None:
        for loop in background:
            await loop.stop()
        background.clear()
        with contextlib.suppress(Exception):  # Redis away: the keys expire on their own
            await liveness.mark_gone(resources.redis, worker.id)

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
    task = asyncio.create_task(_keep_running(worker, stop))
    await stop.wait()
    worker.context["draining"].set()
    running = [context["task"] for context in worker.job_task_contexts.values()]
    if running:
        await asyncio.wait(running, timeout=grace_seconds)
    await worker.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _keep_running(worker: Worker[Any], stop: asyncio.Event) -> None:
    """worker.start until `stop`; started again if it ends on its own (SAQ ends it on an error
    in start-up, e.g. Redis away for a moment, and nobody would notice otherwise)."""
    while not stop.is_set():
        try:
            await worker.start()
        except Exception:
            log.exception("the worker stopped on an error; starting it again")
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RESTART_WAIT_SECONDS):
                await stop.wait()


async def _beat_quietly(resources: Resources, worker_id: str) -> None:
    try:
        await liveness.mark_alive(resources.redis, worker_id)
    except Exception:  # Redis away: the lease still holds; beat again next round
        log.warning("could not mark the worker alive", exc_info=True)
