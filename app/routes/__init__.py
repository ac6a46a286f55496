"""HTTP and WebSocket surfaces; each module is one blueprint."""

from __future__ import annotations

from quart import Quart

from app.routes import (
    _admin,
    api_jobs,
    api_mappings,
    api_metrics,
    api_session,
    api_storage,
    api_uploads,
    errors,
    health,
    ui_jobs,
    ui_mappings,
    ui_pages,
    ui_storage,
    ws_jobs,
)


def register_blueprints(app: Quart) -> None:
    """Attach every blueprint and the error handlers."""
    for module in (
        health,
        api_session,
        api_uploads,
        api_jobs,
        api_storage,
        api_metrics,
        ui_pages,
        ui_jobs,
        ui_storage,
        ws_jobs,
        api_mappings,
        ui_mappings,
        _admin,
    ):
        app.register_blueprint(module.bp)
    errors.register(app)
