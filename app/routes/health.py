"""GET /health: 200 when the database and Redis answer, 503 naming what is down."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from app.routes._context import resources
from app.services import health

bp = Blueprint("health", __name__)


@bp.get("/health")
async def show_health() -> ResponseReturnValue:
    checks = await health.check(resources())
    is_ok = all(state == "ok" for state in checks.values())
    return {"status": "ok" if is_ok else "error", **checks}, 200 if is_ok else 503
