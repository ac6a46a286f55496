"""The storage page: how much DATA_DIR holds and when cleanup runs."""

from __future__ import annotations

from quart import Blueprint, render_template
from quart.typing import ResponseReturnValue

from app.routes._admin import require_admin
from app.routes._context import open_session, resources, session_id
from app.services import storage_status

bp = Blueprint("ui_storage", __name__)
bp.before_request(open_session)


@bp.get("/storage")
async def index() -> ResponseReturnValue:
    require_admin()
    status = await storage_status.describe(resources())
    return await render_template("storage/index.html", storage=status, me=session_id()[:8])
