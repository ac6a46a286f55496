"""The SAQ queue: services enqueue and abort jobs here by task name."""

from __future__ import annotations

from redis.asyncio import Redis
from saq import Queue
from saq.queue.redis import RedisQueue

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


async def enqueue_processing(
    queue: Queue, settings: Settings, job_id: str, run: str | int = 0
) -> None:
    """Queue a job's processing; the key makes a second enqueue of the same run a no-op."""
    await queue.enqueue(
        "process_job",
        job_id=job_id,
        key=f"process:{job_id}:{run}",
        timeout=settings.JOB_TIMEOUT,
        heartbeat=HEARTBEAT_SECONDS * 3,
        retries=1,  # re-runs are decided by the lease in the database, not by SAQ
        ttl=JOB_RECORD_TTL_SECONDS,
    )


async def enqueue_delivery(
    queue: Queue, job_id: str, run: str | int = 0, *, include_failed: bool = False
) -> None:
    """Queue a job's webhook delivery; it may run for hours at a low rate, so no timeout."""
    await queue.enqueue(
        "deliver_job",
        job_id=job_id,
        include_failed=include_failed,
        key=f"deliver:{job_id}:{run}:{int(include_failed)}",
        timeout=0,
        heartbeat=HEARTBEAT_SECONDS * 3,
        retries=1,
        ttl=JOB_RECORD_TTL_SECONDS,
    )
