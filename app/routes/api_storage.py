"""GET /api/storage/status: storage and cleanup status (admin only when ADMIN_TOKEN is set)."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from app.routes._admin import require_admin
from app.routes._context import resources
from app.services import storage_status

bp = Blueprint("api_storage", __name__, url_prefix="/api")


@bp.get("/storage/status")
async def show_storage_status() -> ResponseReturnValue:
    require_admin()
    return await storage_status.describe(resources())
