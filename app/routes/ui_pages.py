"""The start page."""

from __future__ import annotations

from quart import Blueprint, render_template
from quart.typing import ResponseReturnValue

from app.routes._context import open_session

bp = Blueprint("ui_pages", __name__)
bp.before_request(open_session)


@bp.get("/")
async def index() -> ResponseReturnValue:
    return await render_template("index.html")
