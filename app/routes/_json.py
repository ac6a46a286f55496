"""Reading a JSON body with a clear 400 instead of a framework error."""

from __future__ import annotations

from typing import Any

from quart import request

from app.errors import BadInput


async def json_body() -> Any:
    """The parsed JSON body; 400 when it is missing or not JSON."""
    payload = await request.get_json(force=True, silent=True)
    if payload is None:
        raise BadInput("Send a JSON body.", code="bad_json")
    return payload
