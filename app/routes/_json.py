"""Reading a JSON body with a clear 400 instead of a framework error."""

from __future__ import annotations

import json
from typing import Any

from quart import request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import BadInput, TooLarge

MAX_JSON_BYTES = 1024 * 1024


async def json_body() -> Any:
    """The parsed JSON body; 400 when it is missing, not UTF-8 or not JSON."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise TooLarge("A JSON request must stay under 1 MB.", code="too_large")
    try:
        raw = await request.get_data(as_text=False)
    except RequestEntityTooLarge:  # a chunked body over the cap of app/routes/_bodies.py
        raise TooLarge("A JSON request must stay under 1 MB.", code="too_large") from None
    if len(raw) > MAX_JSON_BYTES:
        raise TooLarge("A JSON request must stay under 1 MB.", code="too_large")
    try:
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadInput("Send a JSON body (UTF-8).", code="bad_json") from None
