"""CSV Merger: create_app builds the web application around shared resources."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `csv-merger merge` imports this package: keep the web stack out of it
    from quart import Quart

    from app.config import Settings


PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Multipart framing around the files themselves.
_UPLOAD_OVERHEAD_BYTES = 1024 * 1024


def create_app(
    settings: Settings, *, resources: object | None = None, run_worker: bool = False
) -> Quart:
    """The Quart app; it opens its own resources unless the caller passes them in."""
    from quart import Quart

    from app.jobs.worker import create_worker
    from app.jobs.worker import run_worker as run_worker_until
    from app.resources import Resources, open_resources
    from app.routes import register_blueprints
    from app.routes._admin import load_admin_login
    from app.routes._bodies import AppRequest
    from app.routes._csrf import check_same_origin
    from app.routes._hosts import check_trusted_host
    from app.routes._responses import AppResponse
    from app.routes._security import add_security_headers

    app = Quart(__name__, static_folder=str(PROJECT_ROOT / "static"), static_url_path="/static")
    app.response_class = AppResponse
    app.request_class = AppRequest
    app.secret_key = settings.ensure_secret_key()
    app.json.sort_keys = False  # type: ignore[attr-defined]  # records keep their column order
    app.config.update(
        SESSION_COOKIE_NAME="csv_merger_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.SESSION_TTL_HOURS),
        # Quart's 16 MB default is below ours; the upload service enforces the real
        # per-file limit while streaming, this only caps one whole request.
        MAX_CONTENT_LENGTH=settings.max_session_bytes + _UPLOAD_OVERHEAD_BYTES,
        BODY_TIMEOUT=600,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.extensions["settings"] = settings
    exit_stack = contextlib.AsyncExitStack()
    stop_worker = asyncio.Event()
    worker_tasks: list[asyncio.Task[None]] = []

    @app.before_serving
    async def open_lifespan() -> None:
        res = resources
        if res is None:
            res = await exit_stack.enter_async_context(open_resources(settings))
        assert isinstance(res, Resources)
        app.extensions["resources"] = res
        if run_worker:
            stop_worker.clear()
            worker = create_worker(res)
            worker_tasks.append(asyncio.create_task(run_worker_until(worker, stop_worker)))

    @app.after_serving
    async def close_lifespan() -> None:
        stop_worker.set()
        for task in worker_tasks:
            await task
        worker_tasks.clear()
        await exit_stack.aclose()

    app.before_request(check_trusted_host)
    app.before_websocket(check_trusted_host)
    app.before_request(check_same_origin)
    app.before_request(load_admin_login)
    app.after_request(add_security_headers)
    register_blueprints(app)
    return app
