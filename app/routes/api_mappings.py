"""/api/config: the field mappings document, its versions, backup, restore, preview, export."""

from __future__ import annotations

import json
from typing import Any

from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue

from app.errors import BadInput, TooLarge
from app.routes._admin import author_label, require_admin
from app.routes._context import open_session, resources
from app.routes._json import json_body
from app.services import mapping_versions, mappings

bp = Blueprint("api_mappings", __name__, url_prefix="/api/config")
bp.before_request(open_session)


@bp.before_request
def refuse_large_documents() -> None:
    """A mappings document is small; refuse a big body before reading it."""
    if (request.content_length or 0) > mappings.MAX_DOCUMENT_BYTES + 64 * 1024:
        raise TooLarge("A mappings request must stay under 1 MB.", code="too_large")


async def _json_object(*, is_optional: bool = False) -> dict[str, Any]:
    if is_optional and not (await request.get_data()).strip():
        return {}
    body = await json_body()
    if not isinstance(body, dict):
        raise BadInput("Send a JSON object.", code="bad_json")
    return body


def _ordered_json(document: dict[str, Any]) -> Response:
    # Not the app's JSON provider: it sorts keys, but the order of fields is meaningful (the
    # header matcher breaks ties by it) and a preview lists headers in the order sent.
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")


@bp.get("/mappings")
async def show_mappings() -> ResponseReturnValue:
    version, document = await mappings.current(resources())
    return _ordered_json({**document, "version": version})


@bp.put("/mappings")
async def replace_mappings() -> ResponseReturnValue:
    require_admin()
    body = await json_body()
    version = await mappings.save(resources(), body, author=author_label())
    return {"status": "success", "version": version}


@bp.get("/mappings/versions")
async def list_versions() -> ResponseReturnValue:
    versions = await mapping_versions.list_versions(resources())
    return {"versions": [info.to_json() for info in versions]}


@bp.get("/mappings/versions/<int:version>")
async def show_version(version: int) -> ResponseReturnValue:
    return _ordered_json(await mappings.get_version(resources(), version))


@bp.post("/backup")
async def back_up() -> ResponseReturnValue:
    require_admin()
    body = await _json_object(is_optional=True)
    version = await mapping_versions.backup(resources(), comment=body.get("comment"))
    return {"status": "success", "version": version}


@bp.post("/restore")
async def restore() -> ResponseReturnValue:
    require_admin()
    version = (await _json_object(is_optional=True)).get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise BadInput("version must be a whole number.", code="bad_version")
    restored, new = await mapping_versions.restore(resources(), version, author=author_label())
    return {"status": "success", "restored_version": restored, "new_version": new}


@bp.post("/mappings/preview")
async def preview() -> ResponseReturnValue:
    body = await _json_object()
    mapping = await mappings.preview(resources(), body.get("table_type"), body.get("headers"))
    return _ordered_json({"mapping": mapping})


@bp.get("/mappings/export")
async def export() -> ResponseReturnValue:
    version, document = await mappings.current(resources())
    response = Response(
        json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    name = f"field_mappings_v{version}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/mappings/import")
async def import_mappings() -> ResponseReturnValue:
    require_admin()
    if request.mimetype == "multipart/form-data":
        upload = (await request.files).get("file")
        if upload is None:
            raise BadInput("Send the document as a file part named file.", code="bad_file")
        raw = upload.read()
    else:
        raw = await request.get_data()
    version = await mappings.import_document(resources(), raw, author=author_label())
    return {"status": "success", "version": version}
