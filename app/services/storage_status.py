"""Storage and cleanup status: what DATA_DIR holds, per session, and when cleanup runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from app.resources import Resources
from app.services.cleanup import next_run
from app.services.quotas import folder_bytes
from app.storage.models import ACTIVE_STATUSES, CleanupRun, Job, SessionRow

MB = 1048576


async def describe(res: Resources) -> dict[str, Any]:
    """GET /api/storage/status: the design's fields plus a per-session breakdown."""
    now = datetime.now(UTC)
    total = await asyncio.to_thread(folder_bytes, res.settings.DATA_DIR)
    per_session = await asyncio.to_thread(_per_session, res)
    async with res.db() as db:
        sessions = await db.scalar(
            select(func.count()).select_from(SessionRow).where(SessionRow.expires_at >= now)
        )
        active = await db.scalar(
            select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE_STATUSES))
        )
        last = await db.scalar(
            select(CleanupRun)
            .where(CleanupRun.finished_at.is_not(None))
            .order_by(CleanupRun.id.desc())
            .limit(1)
        )
    return {
        "total_storage_used_mb": round(total / MB, 2),
        "total_storage_used_bytes": total,
        "total_storage_limit_mb": round(res.settings.max_total_bytes / MB, 2),
        "is_over_limit": total >= res.settings.max_total_bytes,
        "session_count": int(sessions or 0),
        "active_jobs": int(active or 0),
        "last_cleanup": last.finished_at.isoformat() if last and last.finished_at else None,
        "next_cleanup": next_run(res.settings.CLEANUP_INTERVAL_MINUTES, now).isoformat(),
        "files_cleaned_last_run": last.files_removed if last else 0,
        "bytes_cleaned_last_run": last.bytes_removed if last else 0,
        "retention_hours": res.settings.DATA_RETENTION_HOURS,
        "sessions": per_session,
    }


def _per_session(res: Resources) -> list[dict[str, Any]]:
    root = res.paths.sessions
    if not root.exists():
        return []
    rows = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir():
            used = folder_bytes(folder)
            rows.append(
                {
                    "session": folder.name[:8],
                    "storage_used_mb": round(used / MB, 2),
                    "storage_used_bytes": used,
                }
            )
    return sorted(rows, key=lambda row: -row["storage_used_bytes"])
