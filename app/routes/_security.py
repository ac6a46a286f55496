"""Security headers on every response: a strict CSP for pages, nosniff, no framing, and no
caching of anything but the static files."""

from __future__ import annotations

from quart import Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


async def add_security_headers(response: Response) -> Response:
    """Headers every answer carries; HTML gets the Content-Security-Policy."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if not request.path.startswith("/static/"):
        # Pages, fragments, downloads and JSON carry lead data: no browser or proxy keeps them.
        response.headers["Cache-Control"] = "no-store"
    return response
