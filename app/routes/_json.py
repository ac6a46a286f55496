"""Reading a JSON body with a clear 400 instead of a framework error."""

from __future__ import annotations

import json
from typing import Any

from quart import request

from app.errors import BadInput


async def json_body() -> Any:
    """The parsed JSON body; 400 when it is missing, not UTF-8 or not JSON."""
    raw = await request.get_data(as_text=False)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadInput("Send a JSON body (UTF-8).", code="bad_json") from None
