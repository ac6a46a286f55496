"""TRUSTED_HOSTS: a page on another name that resolves to this server (DNS rebinding) sends
its own Host header; when the operator lists the names the app answers, others get 400."""

from __future__ import annotations

from quart import current_app, has_request_context, request, websocket

from app.errors import BadInput

# Load balancers probe with whatever Host they like; /health tells nothing about anyone.
_OPEN_PATHS = frozenset({"/health"})


def _hostname(host: str) -> str:
    """The name of a Host header, without its port ("[::1]:8000" -> "::1")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def check_trusted_host() -> None:
    """Refuse a request (or WebSocket) for a host that is not in TRUSTED_HOSTS."""
    trusted = current_app.extensions["settings"].TRUSTED_HOSTS
    if not trusted:
        return
    incoming = request if has_request_context() else websocket
    if incoming.path in _OPEN_PATHS:
        return
    allowed = {name.strip().lower().rstrip(".") for name in trusted}
    if _hostname(incoming.host).rstrip(".") not in allowed:
        raise BadInput("This server does not answer for that host name.", code="untrusted_host")
