"""One URL serves a page and its fragment; htmx requests get the fragment."""

from __future__ import annotations

from typing import Any

from quart import make_response, render_template, request
from quart.typing import ResponseReturnValue

# The polling fallback stops when the server answers this (htmx's "stop polling" status).
STOP_POLLING = 286


def wants_fragment() -> bool:
    """A boosted link wants the whole page, although HX-Request is set."""
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


async def page_or_fragment(
    page: str, fragment: str, *, status: int = 200, **context: Any
) -> ResponseReturnValue:
    """Render the fragment for htmx, else the whole page; both vary on HX-Request."""
    body = await render_template(fragment if wants_fragment() else page, **context)
    response = await make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response
