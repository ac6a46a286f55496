"""Health of the dependencies: the database and Redis."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.resources import Resources

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 2
WRITE_LOCK_WAIT_SECONDS = 1


async def check(res: Resources) -> dict[str, str]:
    """{"database": "ok"|"down"|"locked", "redis": "ok"|"down"}."""
    database, redis, writable = await asyncio.gather(
        _database_ok(res), _redis_ok(res), _sqlite_writable(res)
    )
    state = "locked" if database and not writable else ("ok" if database else "down")
    return {"database": state, "redis": "ok" if redis else "down"}


async def _sqlite_writable(res: Resources) -> bool:
    """SQLite only: can a writer get the write lock now? Reads go on while another process
    holds it, so SELECT 1 alone would say "ok" while every change waits and fails."""
    if not res.settings.is_sqlite:
        return True
    path = make_url(res.settings.DATABASE_URL).database
    if not path:
        return True
    try:
        return await asyncio.to_thread(_take_write_lock, path)
    except Exception:  # any failure means "not writable"; the cause goes to the log
        log.warning("database write check failed", exc_info=True)
        return False


def _take_write_lock(path: str) -> bool:
    connection = sqlite3.connect(path, timeout=WRITE_LOCK_WAIT_SECONDS, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:  # "database is locked" after the wait
        log.warning("database is write-locked: %s", exc)
        return False
    finally:
        connection.close()


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
