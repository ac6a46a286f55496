"""WebSocket /ws/jobs/<id>: pushes the live dashboard fragments whenever the job changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from quart import Blueprint, websocket

from app.errors import NotFound
from app.routes._context import open_session, resources, session_id
from app.routes.ui_jobs import Seen, live_update
from app.services import jobs, progress
from app.services.loops import was_cancelled

bp = Blueprint("ws_jobs", __name__)
bp.before_websocket(open_session)

# 1008 = policy violation: the ws extension does not reconnect after it.
REFUSED = 1008
# Pushes are at most this often; a quiet job is still re-read this often for rate and ETA.
MIN_INTERVAL = 0.25
MAX_INTERVAL = 1.0


@bp.websocket("/ws/jobs/<job_id>")
async def updates(job_id: str) -> None:
    await websocket.accept()
    if not _is_same_origin() or not await _owns(job_id):
        await websocket.close(REFUSED)
        return
    seen, last = Seen.from_args(websocket.args), ""
    async for _ in _changes(job_id):
        html, seen = await live_update(session_id(), job_id, seen)
        if html != last:
            await websocket.send(html)
        last = html


def _is_same_origin() -> bool:
    """Another site's page must not read a session's jobs through the browser's cookie."""
    origin = websocket.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == websocket.host


async def _owns(job_id: str) -> bool:
    try:
        await jobs.owned_job(resources(), session_id(), job_id)
    except NotFound:
        return False
    return True


async def _changes(job_id: str) -> AsyncIterator[None]:
    """Yield now, then after each burst of job events, or at least every MAX_INTERVAL."""
    async with resources().redis.pubsub() as pubsub:
        await pubsub.subscribe(progress.events_channel(job_id))
        while not was_cancelled():  # the page went; a swallowed cancel must not outlive it
            yield
            await pubsub.get_message(ignore_subscribe_messages=True, timeout=MAX_INTERVAL)
            await asyncio.sleep(MIN_INTERVAL)
            while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0):
                pass
