"""Admin logins kept in Redis: each login has an id of its own that logout deletes, so a copied
cookie stops working; failed attempts are counted per client to slow down guessing."""

from __future__ import annotations

import secrets

from app.errors import OverLimit
from app.resources import Resources

LOGIN_SECONDS = 12 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60


def _login_key(login_id: str) -> str:
    return f"admin-login:{login_id}"


def _failures_key(client: str) -> str:
    return f"admin-login-failures:{client}"


async def start(res: Resources) -> str:
    """A new login id, valid for LOGIN_SECONDS unless ended first."""
    login_id = secrets.token_urlsafe(24)
    await res.redis.set(_login_key(login_id), "1", ex=LOGIN_SECONDS)
    return login_id


async def is_active(res: Resources, login_id: str) -> bool:
    """True while the login has neither expired nor been ended."""
    return bool(await res.redis.exists(_login_key(login_id)))


async def end(res: Resources, login_id: str) -> None:
    """Logout: the login id no longer counts, wherever its cookie was copied to."""
    await res.redis.delete(_login_key(login_id))


async def check_throttle(res: Resources, client: str) -> None:
    """Refuse another attempt from a client that failed MAX_FAILURES times in the window."""
    failures = int(await res.redis.get(_failures_key(client)) or 0)
    if failures >= MAX_FAILURES:
        wait = max(await res.redis.ttl(_failures_key(client)), 1)
        raise OverLimit(
            f"Too many failed logins; try again in {wait // 60 + 1} minutes.",
            code="too_many_login_attempts",
        )


async def note_failure(res: Resources, client: str) -> None:
    """Count a failed attempt; the count expires FAILURE_WINDOW_SECONDS after the first."""
    key = _failures_key(client)
    async with res.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, FAILURE_WINDOW_SECONDS, nx=True)
        await pipe.execute()


async def clear_failures(res: Resources, client: str) -> None:
    await res.redis.delete(_failures_key(client))
