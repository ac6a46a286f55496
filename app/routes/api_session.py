"""GET /api/session: the caller's anonymous session."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from app.openapi import SPEC
from app.routes._context import open_session, resources, session_id
from app.services import sessions

bp = Blueprint("api_session", __name__, url_prefix="/api")
bp.before_request(open_session)


@bp.get("/openapi.json")
async def show_openapi() -> ResponseReturnValue:
    return SPEC


@bp.get("/session")
async def show_session() -> ResponseReturnValue:
    return await sessions.describe(resources(), session_id())
