"""Retention: uploads and results go after DATA_RETENTION_HOURS, sessions when they expire.

A running job's files are never touched. A finished job keeps a small summary row (counts,
status, dates) until its session expires, so the history page stays true.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from croniter import croniter
from sqlalchemy import delete, func, select, update

from app.resources import Resources
from app.services import progress, sessions
from app.services.quotas import folder_bytes
from app.storage.models import (
    ACTIVE_STATUSES,
    CleanupRun,
    DeliveryRecord,
    Job,
    SessionRow,
    Upload,
    UploadFile,
)
from app.storage.paths import is_valid_id

log = logging.getLogger(__name__)


def cron_expression(minutes: int) -> str:
    """The cron schedule for 'every `minutes` minutes' (whole hours from 60 on)."""
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = max(minutes // 60, 1)
    return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"


def next_run(minutes: int, after: datetime) -> datetime:
    """When the cleanup cron fires next after `after`."""
    return croniter(cron_expression(minutes), after).get_next(datetime)  # type: ignore[no-any-return]


@dataclass
class CleanupCounts:
    files_removed: int = 0
    bytes_removed: int = 0
    sessions_removed: int = 0
    jobs_purged: int = 0


async def run(res: Resources, *, now: datetime | None = None) -> CleanupCounts:
    """One cleanup pass; `now` lets tests move the clock."""
    now = now or datetime.now(UTC)
    counts = CleanupCounts()
    async with res.db.begin() as db:
        record = CleanupRun(started_at=now)
        db.add(record)
    await _expire_sessions(res, now, counts)
    await _purge_old_jobs(res, now, counts)
    await _remove_old_uploads(res, now, counts)
    await _remove_orphan_folders(res, now, counts)
    async with res.db.begin() as db:
        await db.execute(
            update(CleanupRun)
            .where(CleanupRun.id == record.id)
            .values(
                finished_at=datetime.now(UTC),
                files_removed=counts.files_removed,
                bytes_removed=counts.bytes_removed,
                sessions_removed=counts.sessions_removed,
                jobs_purged=counts.jobs_purged,
            )
        )
    log.info(
        "cleanup removed %s files (%s bytes), %s sessions, purged %s jobs",
        counts.files_removed,
        counts.bytes_removed,
        counts.sessions_removed,
        counts.jobs_purged,
    )
    return counts


def _remove_tree_sync(path: Path) -> tuple[int, int]:
    if not path.exists():
        return 0, 0
    files = sum(1 for p in path.rglob("*") if p.is_file())
    size = folder_bytes(path)
    shutil.rmtree(path, ignore_errors=True)
    return files, size


def _remove_file_sync(path: Path) -> tuple[int, int]:
    try:
        size = path.stat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0, 0
    return 1, size


async def _remove_tree(path: Path, counts: CleanupCounts) -> None:
    files, size = await asyncio.to_thread(_remove_tree_sync, path)
    counts.files_removed += files
    counts.bytes_removed += size


async def _remove_file(path: Path, counts: CleanupCounts) -> None:
    files, size = await asyncio.to_thread(_remove_file_sync, path)
    counts.files_removed += files
    counts.bytes_removed += size


async def _expire_sessions(res: Resources, now: datetime, counts: CleanupCounts) -> None:
    """Sessions past their TTL: everything goes, unless a job of theirs still runs."""
    async with res.db() as db:
        expired = list(
            (await db.scalars(select(SessionRow.id).where(SessionRow.expires_at < now))).all()
        )
    # The row's expiry is refreshed on activity (at most DB_SYNC_SECONDS late), so it is the
    # truth here; the Redis key expires by itself at about the same time.
    for session_id in expired:
        async with res.db() as db:
            running = await db.scalar(
                select(Job.id)
                .where(Job.session_id == session_id, Job.status.in_(ACTIVE_STATUSES))
                .limit(1)
            )
        if running:
            continue
        await _remove_tree(res.paths.session_dir(session_id), counts)
        async with res.db.begin() as db:
            job_ids = list(
                (await db.scalars(select(Job.id).where(Job.session_id == session_id))).all()
            )
            await db.execute(delete(DeliveryRecord).where(DeliveryRecord.job_id.in_(job_ids)))
            await db.execute(delete(Job).where(Job.session_id == session_id))
            await db.execute(delete(UploadFile).where(UploadFile.session_id == session_id))
            await db.execute(delete(Upload).where(Upload.session_id == session_id))
            await db.execute(delete(SessionRow).where(SessionRow.id == session_id))
        for job_id in job_ids:
            await progress.forget(res.redis, session_id, job_id)
        await res.redis.delete(sessions.redis_key(session_id))
        counts.sessions_removed += 1


async def _purge_old_jobs(res: Resources, now: datetime, counts: CleanupCounts) -> None:
    """Finished jobs older than the retention lose their files and delivery records."""
    cutoff = now - timedelta(hours=res.settings.DATA_RETENTION_HOURS)
    async with res.db() as db:
        old = list(
            (
                await db.scalars(
                    select(Job).where(
                        Job.is_purged.is_(False),
                        Job.status.not_in(ACTIVE_STATUSES),
                        func.coalesce(Job.finished_at, Job.created_at) < cutoff,
                    )
                )
            ).all()
        )
    for job in old:
        # Claim the purge first: a retry that reopened the job meanwhile keeps its files.
        async with res.db.begin() as db:
            claimed = await db.execute(
                update(Job)
                .where(
                    Job.id == job.id, Job.status.not_in(ACTIVE_STATUSES), Job.is_purged.is_(False)
                )
                .values(is_purged=True, is_result_ready=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue
            await db.execute(delete(DeliveryRecord).where(DeliveryRecord.job_id == job.id))
        await _remove_tree(res.paths.job_dir(job.session_id, job.id), counts)
        await progress.forget(res.redis, job.session_id, job.id)
        counts.jobs_purged += 1


async def _remove_old_uploads(res: Resources, now: datetime, counts: CleanupCounts) -> None:
    """Uploaded files older than the retention, unless a running job reads them."""
    cutoff = now - timedelta(hours=res.settings.DATA_RETENTION_HOURS)
    async with res.db() as db:
        in_use = select(Job.upload_id).where(
            Job.status.in_(ACTIVE_STATUSES), Job.upload_id.is_not(None)
        )
        old = list(
            (
                await db.scalars(
                    select(UploadFile).where(
                        UploadFile.deleted_at.is_(None),
                        UploadFile.created_at < cutoff,
                        UploadFile.upload_id.not_in(in_use),
                    )
                )
            ).all()
        )
    for file in old:
        await _remove_file(res.paths.upload_file(file.session_id, file.stored_name), counts)
        async with res.db.begin() as db:
            await db.execute(
                update(UploadFile).where(UploadFile.id == file.id).values(deleted_at=now)
            )


async def _remove_orphan_folders(res: Resources, now: datetime, counts: CleanupCounts) -> None:
    """Session folders the database no longer knows, once they are older than the retention."""
    root = res.paths.sessions
    if not root.exists():
        return
    cutoff = (now - timedelta(hours=res.settings.DATA_RETENTION_HOURS)).timestamp()
    async with res.db() as db:
        known = set((await db.scalars(select(SessionRow.id))).all())
    for folder in root.iterdir():
        if folder.name in known or not is_valid_id(folder.name):
            continue
        if folder.stat().st_mtime < cutoff:
            await _remove_tree(folder, counts)
