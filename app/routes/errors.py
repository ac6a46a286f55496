"""One place that turns errors into the JSON envelope (/api) or an error page."""

from __future__ import annotations

import logging
from html import escape

from quart import Quart, Response, has_request_context, render_template, request, websocket
from quart.typing import ResponseReturnValue
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from werkzeug.exceptions import HTTPException

from app.errors import AppError, DependencyDown

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


async def render_app_error(error: AppError) -> ResponseReturnValue:
    """The envelope under /api, the error page elsewhere."""
    if not has_request_context():
        # A WebSocket handshake (an unknown path, say): Quart answers the upgrade with this.
        return Response(error.message, status=error.status, mimetype="text/plain")
    if _wants_json():
        return error.to_json(), error.status
    try:
        page = await render_template("error.html", error=error)
    except Exception:  # the error page itself failed: still answer the error, plainly
        log.exception("could not render the error page")
        page = f"<!doctype html><title>Error</title><p>{escape(error.message)}</p>"
    return page, error.status


def register(app: Quart) -> None:
    """Attach the handlers: AppError, dependency outages, HTTP errors, and the rest."""

    @app.errorhandler(AppError)
    async def on_app_error(error: AppError) -> ResponseReturnValue:
        return await render_app_error(error)

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    async def on_redis_down(error: Exception) -> ResponseReturnValue:
        log.warning("Redis unavailable: %s", error)
        return await render_app_error(
            DependencyDown(
                "Redis is unavailable right now; please try again shortly.",
                code="redis_unavailable",
            )
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(SQLAlchemyTimeout)
    async def on_database_down(error: Exception) -> ResponseReturnValue:
        log.warning("database unavailable: %s", error)
        return await render_app_error(
            DependencyDown(
                "The database is busy or unavailable; please try again shortly.",
                code="database_unavailable",
            )
        )

    @app.errorhandler(HTTPException)
    async def on_http_error(error: HTTPException) -> ResponseReturnValue:
        code = (error.name or "error").lower().replace(" ", "_")
        wrapped = AppError(error.description or error.name or "error", code=code)
        wrapped.status = error.code or 500
        return await render_app_error(wrapped)

    @app.errorhandler(Exception)
    async def on_unexpected(error: Exception) -> ResponseReturnValue:
        where = request if has_request_context() else websocket
        log.exception("unexpected error on %s %s", where.method, where.path)
        return await render_app_error(AppError("Something went wrong on our side."))
