"""The history of the field mappings: versions, backups, restores and diffs between any two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from app.errors import NotFound
from app.resources import Resources
from app.services import mapping_rules as rules
from app.services import mappings
from app.storage.models import MappingVersion, utcnow


@dataclass(frozen=True)
class VersionInfo:
    """One version as the history lists it (without its document)."""

    version: int
    created_at: str
    comment: str | None
    author: str
    is_current: bool
    is_backup: bool
    backup_comment: str | None
    backed_up_at: str | None
    restored_from: int | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


async def list_versions(res: Resources) -> list[VersionInfo]:
    """Every version, newest first."""
    await mappings.current_version(res)
    columns = [c for c in MappingVersion.__table__.columns if c.name != "document"]
    async with res.db() as db:
        rows = (await db.execute(select(*columns).order_by(MappingVersion.version.desc()))).all()
    top = rows[0].version if rows else 0
    return [
        VersionInfo(
            version=row.version,
            created_at=_iso(row.created_at) or "",
            comment=row.comment,
            author=row.author,
            is_current=row.version == top,
            is_backup=row.is_backup,
            backup_comment=row.backup_comment,
            backed_up_at=_iso(row.backed_up_at),
            restored_from=row.restored_from,
        )
        for row in rows
    ]


async def backup(res: Resources, *, comment: str | None = None) -> int:
    """Mark the current version as a backup (no new version); returns its number."""
    await mappings.current_version(res)
    latest = select(func.max(MappingVersion.version)).scalar_subquery()
    async with res.db.begin() as db:
        version = await db.scalar(
            update(MappingVersion)
            .where(MappingVersion.version == latest)
            .values(
                is_backup=True,
                backup_comment=mappings.clean_comment(comment),
                backed_up_at=utcnow(),
            )
            .returning(MappingVersion.version)
        )
    assert version is not None
    return int(version)


async def restore(res: Resources, version: int | None = None, *, author: str) -> tuple[int, int]:
    """Add a new version equal to `version` (default: the latest backup): (restored, new)."""
    if version is None:
        version = await _latest_backup(res)
    document = await mappings.get_version(res, version)
    new_version = await mappings.store(
        res, document, author=author, comment=f"Restored version {version}", restored_from=version
    )
    return version, new_version


async def _latest_backup(res: Resources) -> int:
    async with res.db() as db:
        version = await db.scalar(
            select(MappingVersion.version)
            .where(MappingVersion.is_backup.is_(True))
            .order_by(MappingVersion.backed_up_at.desc(), MappingVersion.version.desc())
            .limit(1)
        )
    if version is None:
        raise NotFound("There is no backup to restore yet.", code="no_backup")
    return version


@dataclass(frozen=True)
class History:
    """The versions, the two being compared and their diff; after a rollback, what it did."""

    versions: list[VersionInfo]
    old: int | None
    new: int | None
    diff: rules.MappingDiff | None
    restored: tuple[int, int] | None = None


async def history(res: Resources, old: int | None = None, new: int | None = None) -> History:
    """The versions, newest first, and the diff of `old` -> `new` (default: the last change)."""
    versions = await list_versions(res)
    new = new or versions[0].version
    if old is None:
        old = next((info.version for info in versions if info.version < new), None)
    if old is None:
        await mappings.get_version(res, new)
        return History(versions, None, new, None)
    changes = rules.diff(await mappings.get_version(res, old), await mappings.get_version(res, new))
    return History(versions, old, new, changes)


async def roll_back(res: Resources, version: int, *, author: str) -> History:
    """Restore a version as a new one; the history then compares it with the one before."""
    restored, new = await restore(res, version, author=author)
    shown = await history(res, new=new)
    return History(shown.versions, shown.old, shown.new, shown.diff, (restored, new))
