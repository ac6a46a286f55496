"""The async engine and sessionmaker, with SQLite tuned for a web app plus workers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Long enough that a writer waiting on another process's short transaction never surfaces
# "database is locked" under normal load; short enough that while something holds the write
# lock for long (a backup, a stuck process) a request answers 503 in seconds, not minutes.
SQLITE_BUSY_TIMEOUT_MS = 5_000
# `serve` runs web requests, job runs, lease renewals and delivery saves on one engine.
POOL_SIZE = 10
POOL_OVERFLOW = 20


def create_engine(database_url: str) -> AsyncEngine:
    """Create the engine; for SQLite turn on WAL, a busy timeout and foreign keys."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(
        database_url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
    )


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
