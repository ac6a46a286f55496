"""The start page: drop files, review their mappings, choose where the records go."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from quart import (
    Blueprint,
    current_app,
    has_request_context,
    render_template,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.errors import BadInput
from app.routes._context import open_session, resources, session_id
from app.services import mappings, uploads

bp = Blueprint("ui_pages", __name__)
bp.before_request(open_session)

# Mapped with a score below this, a column is highlighted for the person to check.
STRONG_MATCH = 90
NAVIGATION = (
    ("New merge", "/"),
    ("Jobs", "/jobs"),
    ("Field mappings", "/mappings"),
    ("Storage", "/storage"),
)


@bp.app_context_processor
def layout_context() -> dict[str, Any]:
    """Navigation to the pages that exist, and the retention every page footer states."""
    here = request.path if has_request_context() else ""
    endpoints = {
        rule.rule: rule.endpoint
        for rule in current_app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
    }
    links = [
        (label, url_for(endpoints[path]), _is_under(here, path))
        for label, path in NAVIGATION
        if path in endpoints
    ]
    hours = current_app.extensions["settings"].DATA_RETENTION_HOURS
    return {"nav_links": links, "retention_hours": f"{hours:g}"}


def _is_under(here: str, path: str) -> bool:
    return here == path or (path != "/" and here.startswith(path + "/"))


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    """Bytes as a person reads them (1 MB = 1,048,576 bytes, as the contract says)."""
    size = size or 0
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1048576:.1f} MB"


@bp.app_template_filter("when")
def when(value: str | datetime | None) -> str:
    """An ISO timestamp as a short UTC date and time."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%d %b %Y, %H:%M UTC")


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    """Seconds left as a person says it: "45 s", "3 min", "2 h 5 min"."""
    if seconds is None:
        return "—"
    seconds = max(round(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@bp.app_template_filter("path_only")
def path_only(url: str) -> str:
    """A URL without scheme and host: url_for makes WebSocket URLs absolute (ws://), which
    breaks behind a TLS proxy; the ws extension picks ws or wss from the page for a path."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def mapping_context(document: dict[str, Any], table_type: str) -> dict[str, Any]:
    """What a file card needs besides the file: the field choices and the highlight line."""
    return {
        "fields": list(document.get(f"{table_type}_mappings", {})),
        "strong_match": STRONG_MATCH,
    }


def files_from(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The uploaded files a start form describes (one JSON summary per file card)."""
    files = []
    raws = form.getlist("file")
    if len(raws) > resources().settings.MAX_FILES_PER_SESSION:
        raise BadInput("The form names more files than a session may keep.", code="bad_form")
    for raw in raws:
        try:
            file = json.loads(raw)
            files.append(
                {
                    "file_id": str(file["file_id"]),
                    "filename": str(file["filename"]),
                    "records": int(file["records"]),
                    "size": int(file["size"]),
                    "columns": [str(c) for c in file["columns"]],
                    "mapping": dict(file["mapping"]),
                }
            )
        except (ValueError, KeyError, TypeError):
            raise BadInput(
                "The form was damaged; please upload the files again.", code="bad_form"
            ) from None
    return files


@bp.get("/")
async def index() -> ResponseReturnValue:
    return await render_template("index.html", settings=resources().settings)


@bp.post("/uploads")
async def upload() -> ResponseReturnValue:
    answer = await uploads.receive(
        resources(), owner=session_id(), content_type=request.content_type, body=request.body
    )
    _version, document = await mappings.current(resources())
    return await render_template(
        "uploads/_files.html", upload=answer, **mapping_context(document, answer["table_type"])
    )


@bp.post("/uploads/remap")
async def remap() -> ResponseReturnValue:
    form = await request.form
    table_type, files = form.get("table_type", ""), files_from(form)
    await uploads.remap(resources(), session_id(), table_type, files)
    _version, document = await mappings.current(resources())
    answer = {"upload_id": form.get("upload_id", ""), "table_type": table_type, "files": files}
    return await render_template(
        "uploads/_files.html", upload=answer, oob=True, **mapping_context(document, table_type)
    )
