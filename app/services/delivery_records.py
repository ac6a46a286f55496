"""Per-record delivery state in the database: what was acknowledged, what failed and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.delivery import RecordOutcome
from app.resources import Resources
from app.storage.models import DeliveryRecord

_INSERT_CHUNK = 500


async def finished_rows(
    res: Resources, job_id: str, total: int, *, include_failed: bool
) -> bytearray:
    """A bitmap over output rows (1-based): 1 = do not send (delivered, or failed unless a
    retry asked for them)."""
    skip = bytearray(total + 1)
    statuses = ("delivered",) if include_failed else ("delivered", "failed")
    async with res.db() as db:
        result = await db.stream_scalars(
            select(DeliveryRecord.row).where(
                DeliveryRecord.job_id == job_id, DeliveryRecord.status.in_(statuses)
            )
        )
        async for row in result:
            if 0 < row <= total:
                skip[row] = 1
    return skip


def _upsert(res: Resources) -> Any:
    return postgres_insert if res.engine.dialect.name == "postgresql" else sqlite_insert


async def save(res: Resources, job_id: str, outcomes: Sequence[RecordOutcome]) -> tuple[int, int]:
    """Upsert a batch of outcomes; returns the change in (delivered, failed) counts."""
    if not outcomes:
        return 0, 0
    rows = [outcome.row for outcome in outcomes]
    insert = _upsert(res)
    async with res.db.begin() as db:
        previous = dict(
            (
                await db.execute(
                    select(DeliveryRecord.row, DeliveryRecord.status).where(
                        DeliveryRecord.job_id == job_id, DeliveryRecord.row.in_(rows)
                    )
                )
            ).all()
        )
        values = [
            {
                "job_id": job_id,
                "row": outcome.row,
                "status": outcome.status,
                "attempts": outcome.attempts,
                "last_status": outcome.last_status,
                "last_error": (outcome.last_error or "")[:200] or None,
                "last_attempt_at": outcome.last_attempt_at,
            }
            for outcome in outcomes
        ]
        for start in range(0, len(values), _INSERT_CHUNK):
            statement = insert(DeliveryRecord).values(values[start : start + _INSERT_CHUNK])
            excluded = statement.excluded
            await db.execute(
                statement.on_conflict_do_update(
                    index_elements=["job_id", "row"],
                    set_={
                        name: getattr(excluded, name)
                        for name in (
                            "status",
                            "attempts",
                            "last_status",
                            "last_error",
                            "last_attempt_at",
                        )
                    },
                )
            )
    delivered = failed = 0
    for outcome in outcomes:
        before = previous.get(outcome.row)
        if before == outcome.status:
            continue
        delivered += (outcome.status == "delivered") - (before == "delivered")
        failed += (outcome.status == "failed") - (before == "failed")
    return delivered, failed


async def failed_page(
    res: Resources, job_id: str, *, limit: int, offset: int = 0
) -> list[DeliveryRecord]:
    """Failed deliveries in row order."""
    async with res.db() as db:
        query = (
            select(DeliveryRecord)
            .where(DeliveryRecord.job_id == job_id, DeliveryRecord.status == "failed")
            .order_by(DeliveryRecord.row)
            .limit(limit)
            .offset(offset)
        )
        return list((await db.scalars(query)).all())
