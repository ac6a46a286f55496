"""ADMIN_TOKEN: who may change the mappings (and see storage status), and the admin login.

When ADMIN_TOKEN is set, a change needs `Authorization: Bearer <token>` or an admin login,
which is a mark in the signed session cookie; reading stays open. When it is unset, anyone
may change. The mark is derived from the token, so changing ADMIN_TOKEN logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from quart import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from quart.typing import ResponseReturnValue

from app.errors import BadInput, Unauthorized
from app.routes._context import resources
from app.services import admin_logins

ADMIN_FIELD = "admin"

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _token() -> str | None:
    token: str | None = current_app.extensions["settings"].ADMIN_TOKEN
    return token


def _mark(token: str) -> str:
    return hmac.new(token.encode(), b"csv-merger admin login", hashlib.sha256).hexdigest()


def _is_token(candidate: str, token: str) -> bool:
    return hmac.compare_digest(candidate.encode(), token.encode())


def is_admin_required() -> bool:
    """Whether ADMIN_TOKEN is set, so changes need an admin."""
    return _token() is not None


def is_admin() -> bool:
    """The request carries the admin token (bearer) or comes from a logged-in admin."""
    token = _token()
    if token is None:
        return False
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _is_token(credentials.strip(), token):
        return True
    return bool(g.get("is_admin_login", False))


async def load_admin_login() -> None:
    """Before a request: does the cookie carry an admin login that is still live in Redis?"""
    token = _token()
    login = session.get(ADMIN_FIELD)
    g.is_admin_login = (
        token is not None
        and isinstance(login, dict)
        and hmac.compare_digest(str(login.get("mark", "")), _mark(token))
        and float(login.get("until", 0)) > time.time()
        and isinstance(login.get("id"), str)
        and await admin_logins.is_active(resources(), login["id"])
    )


def can_edit() -> bool:
    """Anyone may change when ADMIN_TOKEN is unset; otherwise only an admin."""
    return not is_admin_required() or is_admin()


def require_admin() -> None:
    """Refuse a change (or the storage status) with 401 unless the caller may make it."""
    if not can_edit():
        raise Unauthorized(
            "This needs the admin token: send Authorization: Bearer <ADMIN_TOKEN> "
            "or log in as admin.",
            code="admin_required",
        )


def author_label() -> str:
    """Who a version is attributed to: "admin", or the first 8 characters of the session."""
    if is_admin():
        return "admin"
    sid = g.get("session_id")
    return f"session:{sid[:8]}" if isinstance(sid, str) else "anonymous"


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login form cannot send anyone elsewhere.

    Browsers drop tabs and newlines from URLs ("/\t/evil.example" becomes "//evil.example"), so
    a target with any control character or space is refused outright.
    """
    if not target:
        return url_for("ui_mappings.show_mappings")
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        raise BadInput("next must be a path on this site.", code="bad_next")
    parts = urlsplit(target)
    is_local = target.startswith("/") and not target.startswith(("//", "/\\"))
    if is_local and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return url_for("ui_mappings.show_mappings")


@bp.get("/login")
async def show_login() -> ResponseReturnValue:
    target = _safe_next(request.args.get("next"))
    return await render_template(
        "admin/login.html", next=target, is_failed=False, is_admin_required=is_admin_required()
    )


@bp.post("/login")
async def log_in() -> ResponseReturnValue:
    form = await request.form
    token, target = _token(), _safe_next(form.get("next"))
    if token is None:
        return redirect(target, 303)
    client = request.remote_addr or "unknown"
    await admin_logins.check_throttle(resources(), client)
    if not _is_token(form.get("token", ""), token):
        await admin_logins.note_failure(resources(), client)
        page = await render_template(
            "admin/login.html", next=target, is_failed=True, is_admin_required=True
        )
        return page, 401
    await admin_logins.clear_failures(resources(), client)
    await _end_login()
    # A fresh login id each time: a cookie from before the login never becomes an admin's.
    session[ADMIN_FIELD] = {
        "id": await admin_logins.start(resources()),
        "mark": _mark(token),
        "until": time.time() + admin_logins.LOGIN_SECONDS,
    }
    return redirect(target, 303)


@bp.post("/logout")
async def log_out() -> ResponseReturnValue:
    await _end_login()
    return redirect(url_for("ui_mappings.show_mappings"), 303)


async def _end_login() -> None:
    login = session.pop(ADMIN_FIELD, None)
    if isinstance(login, dict) and isinstance(login.get("id"), str):
        await admin_logins.end(resources(), login["id"])
