"""Request-scoped access to the resources and the caller's anonymous session."""

from __future__ import annotations

from quart import current_app, g, has_request_context, request, session

from app import logs
from app.resources import Resources
from app.services import sessions
from app.storage.paths import is_valid_id

SESSION_FIELD = "sid"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def resources() -> Resources:
    return current_app.extensions["resources"]  # type: ignore[no-any-return]


async def open_session() -> None:
    """Before a request: find or create the caller's session and record the activity.

    A request that only reads gets a session id in its cookie but nothing stored: crawlers
    and scripts without a cookie jar would otherwise leave a row each. The session is stored
    by the first request that changes something (an upload, a job, a setting).
    """
    sid = session.get(SESSION_FIELD)
    if not isinstance(sid, str) or not is_valid_id(sid):
        sid = sessions.new_session_id()
        session[SESSION_FIELD] = sid
        session.permanent = True
    g.session_id = sid
    logs.bind(session_id=sid)
    method = request.method if has_request_context() else "GET"
    await sessions.touch(resources(), sid, is_storing=method not in READ_METHODS)


def session_id() -> str:
    return g.session_id  # type: ignore[no-any-return]
