"""Health of the dependencies: the database and Redis."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text

from app.resources import Resources

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 2


async def check(res: Resources) -> dict[str, str]:
    """{"database": "ok"|"down", "redis": "ok"|"down"}."""
    database, redis = await asyncio.gather(_database_ok(res), _redis_ok(res))
    return {"database": "ok" if database else "down", "redis": "ok" if redis else "down"}


async def _database_ok(res: Resources) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), res.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means "down"; the cause goes to the log
        log.warning("database health check failed", exc_info=True)
        return False


async def _redis_ok(res: Resources) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return bool(await res.redis.ping())
    except Exception:  # any failure means "down"; the cause goes to the log
        log.warning("redis health check failed", exc_info=True)
        return False
