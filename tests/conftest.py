"""Shared fixtures: real Redis, real SQLite (or PostgreSQL) migrated by Alembic, the real app."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis

from app import create_app
from app.config import Settings
from app.migrate import upgrade_database
from app.redis_server import EmbeddedRedis, free_port
from app.resources import Resources, open_resources

# The admin token of the `admin_client` fixture.
ADMIN_TOKEN = "correct-horse-battery-staple"
# Tests that need PostgreSQL run only when this names a server (e.g. the CI machine's).
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One embedded real Redis for the test run, on a free TCP port."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), port=free_port(), persistent=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> Iterator[str]:
    """The test Redis, flushed before each test."""
    client = SyncRedis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url


def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import asyncpg

    name = f"csvm_test_{secrets.token_hex(6)}"
    admin = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite in tmp_path, or a fresh PostgreSQL database when TEST_DATABASE_URL is set."""
    if POSTGRES_URL:
        yield from postgres_database()
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'csv_merger.db'}"


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, database_url: str) -> Settings:
    return Settings(
        DATA_DIR=tmp_path / "data",
        REDIS_URL=redis_url,
        DATABASE_URL=database_url,
        SECRET_KEY="test-secret",
        WEBHOOK_ALLOW_PRIVATE_TARGETS=True,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    upgrade_database(settings)
    return settings


@pytest.fixture
async def resources(migrated: Settings) -> AsyncIterator[Resources]:
    async with open_resources(migrated) as res:
        yield res


@pytest.fixture
async def app(migrated: Settings, resources: Resources):  # type: ignore[no-untyped-def]
    application = create_app(migrated, resources=resources)
    async with application.test_app() as test_app:
        yield test_app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
async def admin_client(migrated: Settings, resources: Resources):  # type: ignore[no-untyped-def]
    """A client of the app with ADMIN_TOKEN set, sharing the test's database and Redis."""
    settings = migrated.model_copy(update={"ADMIN_TOKEN": ADMIN_TOKEN})
    application = create_app(settings, resources=resources)
    async with application.test_app() as test_app:
        yield test_app.test_client()


@pytest.fixture
async def worker(resources: Resources) -> AsyncIterator[object]:
    """A real SAQ worker in this event loop, sharing the app's resources."""
    from app.jobs.worker import create_worker, run_worker

    stop = asyncio.Event()
    saq_worker = create_worker(resources)
    task = asyncio.create_task(run_worker(saq_worker, stop, grace_seconds=2))
    yield saq_worker
    stop.set()
    await task


@pytest.fixture
async def app_for(migrated: Settings) -> AsyncIterator[Any]:
    """Test apps with some settings changed, on the test's database and Redis: call it with
    the changes (e.g. app_for(MAX_COLUMNS=10)); everything it opened closes after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**changes: Any) -> Any:
            settings = migrated.model_copy(update=changes)
            res = await stack.enter_async_context(open_resources(settings))
            return await stack.enter_async_context(create_app(settings, resources=res).test_app())

        yield make
