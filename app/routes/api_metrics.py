"""GET /api/metrics: queue depth, workers, jobs by status and delivery rates, for monitoring
(admin only when ADMIN_TOKEN is set, like the storage status)."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from app.routes._admin import require_admin
from app.routes._context import resources
from app.services import metrics

bp = Blueprint("api_metrics", __name__, url_prefix="/api")


@bp.get("/metrics")
async def show_metrics() -> ResponseReturnValue:
    require_admin()
    return await metrics.describe(resources())
