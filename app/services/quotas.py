"""Every limit a session or the whole instance has, enforced from this one place."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import Invalid, OverLimit, StorageFull
from app.resources import Resources
from app.storage.models import ACTIVE_STATUSES, Job, SessionRow, UploadFile, utcnow


def folder_bytes(root: Path) -> int:
    """Bytes of every file below `root` (0 when it does not exist)."""
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except FileNotFoundError:  # removed by cleanup while we walked
                continue
    return total


async def check_total_storage(res: Resources) -> None:
    """Refuse new uploads while DATA_DIR holds more than MAX_TOTAL_STORAGE_GB."""
    used = await asyncio.to_thread(folder_bytes, res.settings.DATA_DIR)
    if used >= res.settings.max_total_bytes:
        raise StorageFull(
            "The server is out of space for new uploads right now. Running jobs finish; "
            "please try again after the next cleanup.",
            code="storage_full",
        )


async def lock_session(db: AsyncSession, session_id: str) -> None:
    """Make the rest of `db`'s transaction the only quota check of this session running.

    Call it first in the transaction that checks a limit and then stores what counts against
    it, so that parallel requests cannot all pass the check before any of them has stored.
    PostgreSQL: a transaction-scoped advisory lock on the session. SQLite: a write as the first
    statement takes the database's write lock (other writers wait on the busy timeout).
    """
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"quota:{session_id}"},
        )
    else:
        await db.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(last_seen_at=utcnow())
        )


async def session_usage(res: Resources, session_id: str) -> tuple[int, int]:
    """(files kept, bytes uploaded) for one session.

    MAX_STORAGE_PER_SESSION_MB limits what a session uploads; its merged results are derived
    from those files and expire with them, so they do not lock the session out of uploading.
    """
    async with res.db() as db:
        return await session_usage_in(db, session_id)


async def session_usage_in(db: AsyncSession, session_id: str) -> tuple[int, int]:
    """session_usage inside a transaction the caller holds."""
    files, used = (
        await db.execute(
            select(func.count(), func.coalesce(func.sum(UploadFile.size_bytes), 0)).where(
                UploadFile.session_id == session_id, UploadFile.deleted_at.is_(None)
            )
        )
    ).one()
    return int(files or 0), int(used or 0)


def check_file_count(settings: Settings, files: int) -> None:
    if files > settings.MAX_FILES_PER_SESSION:
        raise OverLimit(
            f"A session may keep at most {settings.MAX_FILES_PER_SESSION} files.",
            code="too_many_files",
        )


def check_columns(settings: Settings, name: str, columns: int) -> None:
    """Refuse more columns than MAX_COLUMNS: matching headers costs time for each one."""
    if columns > settings.MAX_COLUMNS:
        raise Invalid(
            f"{name} has {columns} columns; at most {settings.MAX_COLUMNS} are accepted.",
            code="too_many_columns",
        )


def check_session_bytes(settings: Settings, used: int) -> None:
    if used > settings.max_session_bytes:
        raise OverLimit(
            f"A session may store at most {settings.MAX_STORAGE_PER_SESSION_MB} MB.",
            code="session_storage_full",
        )


async def check_concurrent_jobs(db: AsyncSession, settings: Settings, session_id: str) -> None:
    """Refuse one more job; call it after lock_session, in the transaction that adds the job."""
    running = await db.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.session_id == session_id, Job.status.in_(ACTIVE_STATUSES))
    )
    limit = settings.MAX_CONCURRENT_JOBS_PER_SESSION
    if int(running or 0) >= limit:
        raise OverLimit(
            f"A session may run at most {limit} jobs at once; wait for one to finish.",
            code="too_many_jobs",
        )
