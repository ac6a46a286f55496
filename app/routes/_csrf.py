"""Cross-site request forgery guard for every state-changing request.

Browsers label every request with Sec-Fetch-Site (and Origin on unsafe methods); a request
another site triggers says "cross-site" or carries a foreign Origin and is refused. Clients
that are not browsers (curl, scripts with a cookie jar) send neither header and pass, so the
JSON API stays usable; the session cookie is SameSite=Lax on top of this.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from quart import request

from app.errors import AppError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TRUSTED_FETCH_SITES = {"same-origin", "none"}


class CrossSiteRequest(AppError):
    status = 403
    default_code = "cross_site_request"


def check_same_origin() -> None:
    """Refuse unsafe requests that a browser marks as coming from another site."""
    if request.method in SAFE_METHODS:
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in TRUSTED_FETCH_SITES:
        raise CrossSiteRequest("This request came from another site and was refused.")
    origin = request.headers.get("Origin")
    if origin == "null":
        raise CrossSiteRequest("This request came from an opaque origin and was refused.")
    if origin and _origin_of(origin) != _own_origin():
        raise CrossSiteRequest("This request came from another site and was refused.")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number: matches nothing
        return "", "", None


def _own_origin() -> tuple[str, str, int | None]:
    # Behind a TLS proxy the app sees http; the proxy says what the browser used. A page
    # cannot set X-Forwarded-Proto on a cross-site request without a preflight we never allow.
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    return _origin_of(f"{scheme}://{request.host}")
