"""Alembic migrations go up and down on SQLite (and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from app.config import Settings
from app.migrate import downgrade_database, upgrade_database
from app.storage.db import create_engine

TABLES = {
    "sessions",
    "uploads",
    "upload_files",
    "jobs",
    "delivery_records",
    "mapping_versions",
    "cleanup_runs",
}


def table_names(settings: Settings) -> set[str]:
    async def names() -> set[str]:
        engine = create_engine(settings.DATABASE_URL)
        try:
            async with engine.connect() as conn:
                found = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        finally:
            await engine.dispose()
        return set(found) - {"alembic_version"}

    return asyncio.run(names())


def test_upgrade_creates_every_table_and_downgrade_removes_them(settings: Settings) -> None:
    upgrade_database(settings)
    assert table_names(settings) >= TABLES
    downgrade_database(settings, "base")
    assert not (TABLES & table_names(settings))
    upgrade_database(settings)
    assert table_names(settings) >= TABLES


def test_upgrade_twice_is_harmless(settings: Settings) -> None:
    upgrade_database(settings)
    upgrade_database(settings)
    assert table_names(settings) >= TABLES
