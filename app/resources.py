"""One context that opens every connection the app needs, and closes them in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery import Resolver, TargetGuard, build_client
from app.processing import io as csv_io
from app.queue import create_queue
from app.redis_server import EmbeddedRedis
from app.storage.db import create_engine, create_sessionmaker
from app.storage.paths import DataPaths


@dataclass
class Resources:
    """Everything below the routes needs: settings, database, Redis, queue, HTTP client."""

    settings: Settings
    engine: AsyncEngine
    db: async_sessionmaker[AsyncSession]
    redis: Redis
    queue: Queue
    http: httpx.AsyncClient
    guard: TargetGuard
    paths: DataPaths
    embedded_redis: EmbeddedRedis | None = None


def start_embedded_redis(settings: Settings) -> EmbeddedRedis | None:
    """Start (or join) the embedded Redis when REDIS_URL is unset; point settings at it."""
    if settings.REDIS_URL:
        return None
    server = EmbeddedRedis(DataPaths(settings.DATA_DIR).redis_dir).start()
    settings.REDIS_URL = server.url
    return server


def create_http_client(settings: Settings, guard: TargetGuard) -> httpx.AsyncClient:
    """The one shared client: guarded targets, no proxies, no redirects, pooled."""
    return build_client(
        guard,
        timeout=settings.WEBHOOK_TIMEOUT,
        max_connections=settings.WEBHOOK_CONCURRENCY * 4,
        max_keepalive=settings.WEBHOOK_CONCURRENCY * 2,
    )


@asynccontextmanager
async def open_resources(
    settings: Settings, *, resolver: Resolver | None = None
) -> AsyncIterator[Resources]:
    """Open engine, Redis, queue and HTTP client; close them all on exit.

    `resolver` replaces DNS for webhook hosts (tests point names at 127.0.0.1 with it).
    """
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    csv_io.allow_cells_up_to(settings.max_file_bytes)
    embedded = start_embedded_redis(settings)
    assert settings.REDIS_URL
    engine = create_engine(settings.DATABASE_URL)
    redis = Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=2,
        health_check_interval=10,
    )
    queue = create_queue(settings.REDIS_URL)
    guard = TargetGuard(
        allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS,
        resolver=resolver,
        allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS,
    )
    http = create_http_client(settings, guard)
    try:
        yield Resources(
            settings=settings,
            engine=engine,
            db=create_sessionmaker(engine),
            redis=redis,
            queue=queue,
            http=http,
            guard=guard,
            paths=DataPaths(settings.DATA_DIR),
            embedded_redis=embedded,
        )
    finally:
        await http.aclose()
        await queue.disconnect()
        await redis.aclose()
        await engine.dispose()
        if embedded is not None:
            embedded.stop()
