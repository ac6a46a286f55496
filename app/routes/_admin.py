"""ADMIN_TOKEN: who may change the mappings (and see storage status), and the admin login.

When ADMIN_TOKEN is set, a change needs `Authorization: Bearer <token>` or an admin login,
which is a mark in the signed session cookie; reading stays open. When it is unset, anyone
may change. The mark is derived from the token, so changing ADMIN_TOKEN logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from quart import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from quart.typing import ResponseReturnValue

from app.errors import Unauthorized

ADMIN_FIELD = "admin"
ADMIN_LOGIN_SECONDS = 12 * 3600

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
    login = session.get(ADMIN_FIELD)
    return (
        isinstance(login, dict)
        and hmac.compare_digest(str(login.get("mark", "")), _mark(token))
        and float(login.get("until", 0)) > time.time()
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
    # Only a path on this site, so the login form cannot send anyone elsewhere.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
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
    if not _is_token(form.get("token", ""), token):
        page = await render_template(
            "admin/login.html", next=target, is_failed=True, is_admin_required=True
        )
        return page, 401
    session[ADMIN_FIELD] = {"mark": _mark(token), "until": time.time() + ADMIN_LOGIN_SECONDS}
    return redirect(target, 303)


@bp.post("/logout")
async def log_out() -> ResponseReturnValue:
    session.pop(ADMIN_FIELD, None)
    return redirect(url_for("ui_mappings.show_mappings"), 303)
