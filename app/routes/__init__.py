"""HTTP and WebSocket surfaces; each module is one blueprint."""

from __future__ import annotations

from quart import Quart

from app.routes import api_session, errors, health, ui_pages


def register_blueprints(app: Quart) -> None:
    """Attach every blueprint and the error handlers."""
    for module in (health, api_session, ui_pages):
        app.register_blueprint(module.bp)
    errors.register(app)
