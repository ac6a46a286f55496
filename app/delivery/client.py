"""The one shared webhook httpx client: guarded, pooled, no proxies, no redirects."""

from __future__ import annotations

import ssl

import httpx

from app.delivery.guard import TargetGuard
from app.delivery.transport import GuardedTransport


def build_client(
    guard: TargetGuard,
    *,
    timeout: float = 30.0,
    max_connections: int = 100,
    max_keepalive: int = 50,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """Build the AsyncClient all deliveries share; the caller closes it with `aclose()`."""
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_keepalive,
        keepalive_expiry=30.0,
    )
    return httpx.AsyncClient(
        transport=GuardedTransport(guard, limits=limits, verify=verify),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "csv-merger-webhooks/1"},
    )
