"""Live job state in Redis: counters a page can poll, control flags a run obeys, events."""

from __future__ import annotations

import json
import time
from typing import Any, cast

from redis.asyncio import Redis

# The design keeps live job data 48 h; the database row outlives it as the truth.
LIVE_TTL_SECONDS = 48 * 3600


def live_key(session_id: str, job_id: str) -> str:
    return f"job:{session_id}:{job_id}"


def control_key(job_id: str) -> str:
    return f"job-control:{job_id}"


def events_channel(job_id: str) -> str:
    return f"job-events:{job_id}"


async def publish(redis: Redis, session_id: str, job_id: str, **counters: Any) -> None:
    """Store counters in the live hash (48 h TTL) and tell live pages something changed."""
    values: dict[Any, str] = {name: _encode(value) for name, value in counters.items()}
    values["updated_at"] = str(time.time())
    key = live_key(session_id, job_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hset(key, mapping=values)
        pipe.expire(key, LIVE_TTL_SECONDS)
        pipe.publish(events_channel(job_id), json.dumps({"job_id": job_id, **counters}))
        await pipe.execute()


async def read(redis: Redis, session_id: str, job_id: str) -> dict[str, str]:
    return cast(dict[str, str], await redis.hgetall(live_key(session_id, job_id)))


async def request_cancel(redis: Redis, job_id: str) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hset(control_key(job_id), "cancel", "1")
        pipe.expire(control_key(job_id), LIVE_TTL_SECONDS)
        pipe.publish(events_channel(job_id), json.dumps({"job_id": job_id, "cancel": True}))
        await pipe.execute()


async def set_rate(redis: Redis, job_id: str, rate: float) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hset(control_key(job_id), "rate", str(rate))
        pipe.expire(control_key(job_id), LIVE_TTL_SECONDS)
        pipe.publish(events_channel(job_id), json.dumps({"job_id": job_id, "rate_limit": rate}))
        await pipe.execute()


async def read_control(redis: Redis, job_id: str) -> dict[str, str]:
    return cast(dict[str, str], await redis.hgetall(control_key(job_id)))


async def forget(redis: Redis, session_id: str, job_id: str) -> None:
    await redis.delete(live_key(session_id, job_id), control_key(job_id))


def _encode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
