"""POST /api/upload: files streamed into the session's folder."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from app.routes._context import open_session, resources, session_id
from app.services import uploads

bp = Blueprint("api_uploads", __name__, url_prefix="/api")
bp.before_request(open_session)


@bp.post("/upload")
async def upload_files() -> ResponseReturnValue:
    return await uploads.receive(
        resources(), owner=session_id(), content_type=request.content_type, body=request.body
    )
