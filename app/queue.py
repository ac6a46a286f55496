"""The SAQ queue: services enqueue and abort jobs here by task name."""

from __future__ import annotations

from redis.asyncio import Redis
from saq import Queue
from saq.job import Job, Status
from saq.queue.redis import RedisQueue
from saq.utils import now

from app.config import Settings

QUEUE_NAME = "csv-merger"
# SAQ keeps a finished job's record this long; the database row stays the truth after that.
JOB_RECORD_TTL_SECONDS = 48 * 3600
HEARTBEAT_SECONDS = 60


def create_queue(redis_url: str) -> Queue:
    """A SAQ queue on its own Redis connection (SAQ needs bytes, not decoded strings)."""
    # Built directly: Queue.from_url does not know unix:// URLs of the embedded Redis.
    redis = Redis.from_url(redis_url, socket_connect_timeout=2, health_check_interval=10)
    return RedisQueue(redis, name=QUEUE_NAME)


def _latest_key(job_id: str) -> str:
    return f"csv-merger:queue-entry:{job_id}"


async def _remember(queue: Queue, job_id: str, key: str) -> None:
    """Remember a job's newest queue entry, so recovery can tell waiting from lost."""
    await queue.redis.set(_latest_key(job_id), key, ex=JOB_RECORD_TTL_SECONDS)  # type: ignore[attr-defined]


async def queue_entry(queue: Queue, job_id: str) -> Job | None:
    """The job's newest queue entry, if SAQ still has it."""
    key = await queue.redis.get(_latest_key(job_id))  # type: ignore[attr-defined]
    if not key:
        return None
    return await queue.job(key.decode() if isinstance(key, bytes) else key)


async def queue_entry_waiting(queue: Queue, job_id: str) -> bool:
    """True while the job's newest queue entry is still queued or running."""
    entry = await queue_entry(queue, job_id)
    return entry is not None and entry.status in (Status.QUEUED, Status.ACTIVE)


async def enqueue_processing(
    queue: Queue, settings: Settings, job_id: str, run: str | int = 0
) -> None:
    """Queue a job's processing; the key makes a second enqueue of the same run a no-op."""
    key = f"process:{job_id}:{run}"
    await _remember(queue, job_id, key)
    await queue.enqueue(
        "process_job",
        job_id=job_id,
        key=key,
        timeout=settings.JOB_TIMEOUT,
        heartbeat=HEARTBEAT_SECONDS * 3,
        retries=1,  # re-runs are decided by the lease in the database, not by SAQ
        ttl=JOB_RECORD_TTL_SECONDS,
    )


async def enqueue_delivery(
    queue: Queue, job_id: str, run: str | int = 0, *, include_failed: bool = False
) -> None:
    """Queue a job's webhook delivery; it may run for hours at a low rate, so no timeout."""
    key = f"deliver:{job_id}:{run}:{int(include_failed)}"
    await _remember(queue, job_id, key)
    await queue.enqueue(
        "deliver_job",
        job_id=job_id,
        include_failed=include_failed,
        key=key,
        timeout=0,
        heartbeat=HEARTBEAT_SECONDS * 3,
        retries=1,
        ttl=JOB_RECORD_TTL_SECONDS,
    )


async def is_entry_in_line(queue: Queue, entry: Job) -> bool:
    """The entry's id is still in the queue's waiting list, or it is scheduled for later.

    SAQ hands an entry to a worker by moving its id off that list before the worker marks it
    active; an id moved to a connection nobody reads any more (a killed worker's) leaves an
    entry that says "queued" for ever. Only the list tells it is still coming.
    """
    if entry.scheduled and entry.scheduled > now():
        return True
    queued_list = queue._queued  # type: ignore[attr-defined]  # SAQ's RedisQueue
    return await queue.redis.lpos(queued_list, entry.id) is not None  # type: ignore[attr-defined]
