"""Anonymous sessions: a TTL hash in Redis, mirrored in the database for cleanup."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.resources import Resources
from app.services.quotas import folder_bytes
from app.storage.models import ACTIVE_STATUSES, Job, SessionRow
from app.storage.paths import new_id

# The database copy only needs to be roughly fresh: it decides when cleanup may delete.
DB_SYNC_SECONDS = 300


def redis_key(session_id: str) -> str:
    return f"session:{session_id}"


def new_session_id() -> str:
    return new_id()


async def touch(res: Resources, session_id: str, *, is_storing: bool = True) -> None:
    """Record activity: refresh the session's TTL in Redis and the database.

    A new session is stored only when `is_storing` (the request changes something); a read
    of a session that was never stored leaves no trace.
    """
    ttl = int(res.settings.SESSION_TTL_HOURS * 3600)
    now = datetime.now(UTC)
    key = redis_key(session_id)
    if not is_storing and not await res.redis.exists(key):
        return
    async with res.redis.pipeline(transaction=True) as pipe:
        pipe.hsetnx(key, "created_at", now.isoformat())
        pipe.hset(key, "last_activity", now.isoformat())
        pipe.expire(key, ttl)
        pipe.hget(key, "db_synced_at")
        pipe.hget(key, "created_at")
        *_, synced_at, created_at = await pipe.execute()
    if synced_at and now.timestamp() - float(synced_at) < DB_SYNC_SECONDS:
        return
    await _sync_row(
        res, session_id, datetime.fromisoformat(created_at), now + timedelta(seconds=ttl)
    )
    await res.redis.hset(key, "db_synced_at", str(now.timestamp()))


async def _sync_row(
    res: Resources, session_id: str, created_at: datetime, expires_at: datetime
) -> None:
    async with res.db.begin() as db:
        row = await db.get(SessionRow, session_id)
        if row is None:
            db.add(
                SessionRow(
                    id=session_id,
                    created_at=created_at,
                    last_seen_at=datetime.now(UTC),
                    expires_at=expires_at,
                )
            )
        else:
            row.last_seen_at = datetime.now(UTC)
            row.expires_at = expires_at


async def active_job_count(res: Resources, session_id: str) -> int:
    async with res.db() as db:
        query = (
            select(func.count())
            .select_from(Job)
            .where(Job.session_id == session_id, Job.status.in_(ACTIVE_STATUSES))
        )
        return int(await db.scalar(query) or 0)


async def describe(res: Resources, session_id: str) -> dict[str, Any]:
    """The session as GET /api/session shows it."""
    info = await res.redis.hgetall(redis_key(session_id))
    ttl = await res.redis.ttl(redis_key(session_id))
    now = datetime.now(UTC)
    created_at = info.get("created_at") or now.isoformat()
    # A session never stored (it only read so far) would live a whole TTL once it stores.
    full_ttl = int(res.settings.SESSION_TTL_HOURS * 3600)
    expires_at = now + timedelta(seconds=ttl if ttl > 0 else full_ttl)
    used = await asyncio.to_thread(folder_bytes, res.paths.session_dir(session_id))
    return {
        "session_id": session_id,
        "created_at": created_at,
        "active_jobs": await active_job_count(res, session_id),
        "storage_used_mb": round(used / 1048576, 2),
        "storage_limit_mb": res.settings.MAX_STORAGE_PER_SESSION_MB,
        "expires_at": expires_at.isoformat(),
    }
