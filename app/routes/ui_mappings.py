"""/mappings and /mappings/history: edit the field mappings, preview, diff and roll back.

Every form works without JavaScript (a redirect back, or the page with its problems at 422);
with htmx it swaps just its fragment and fires `mappings-changed` (one field or table) or
`mappings-replaced` (the whole document) so the other parts of the page refresh themselves.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from quart import Blueprint, make_response, redirect, render_template, request, url_for
from quart.typing import ResponseReturnValue

from app.errors import BadInput
from app.routes._admin import author_label, can_edit, is_admin, is_admin_required, require_admin
from app.routes._context import open_session, resources
from app.routes._htmx import page_or_fragment, wants_fragment
from app.services import mapping_edits, mapping_versions, mappings
from app.services.mapping_edits import Edit
from app.services.mapping_rules import field_key

bp = Blueprint("ui_mappings", __name__)
bp.before_request(open_session)

PAGE = "mappings/index.html"
HISTORY_PAGE = "mappings/history.html"
CHANGED = "mappings-changed"
REPLACED = "mappings-replaced"


@bp.app_template_filter("field_key")
def _field_key_filter(name: str) -> str:
    return field_key(name)


@bp.app_template_filter("as_json")
def _as_json_filter(value: Any, indent: int | None = None) -> str:
    # Not Jinja's tojson: that one sorts keys and escapes <, > for scripts; this text is
    # autoescaped as HTML and must keep the document's order.
    return json.dumps(value, indent=indent, ensure_ascii=False)


def _access() -> dict[str, bool]:
    return {
        "can_edit": can_edit(),
        "is_admin_required": is_admin_required(),
        "is_admin": is_admin(),
    }


async def _form() -> dict[str, str]:
    return {key: value for key, value in (await request.form).items()}


def _field_id(table_type: str, name: str) -> str:
    return f"field-{table_type}-{field_key(name)}"


def _split_headers(text: str) -> list[str]:
    """One header per line, or a single pasted CSV header row."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        return [cell.strip() for cell in next(csv.reader(lines)) if cell.strip()]
    return [line.strip() for line in lines]


async def _respond(
    fragment: str, edit: Edit, *, anchor: str, event: str = CHANGED, **context: Any
) -> ResponseReturnValue:
    """The fragment for htmx (422 when refused); without JS a redirect back, or the page."""
    context.update(edit=edit, access=_access())
    status = 422 if edit.is_refused else 200
    if not wants_fragment() and not edit.is_refused:
        return redirect(url_for("ui_mappings.show_mappings", _anchor=anchor), 303)
    response = await make_response(
        await render_template(fragment if wants_fragment() else PAGE, **context), status
    )
    response.headers["Vary"] = "HX-Request"
    if not edit.is_refused:
        response.headers["HX-Trigger"] = event
    return response


async def _field_response(edit: Edit, form: dict[str, str]) -> ResponseReturnValue:
    table_type, name = form.get("table_type", ""), form.get("field", "")
    anchor = _field_id(table_type, name)
    synonyms = edit.document[mapping_edits.section_of(table_type)].get(name)
    problems = {"target": anchor, "problems": edit.problems, "values": form}
    return await _respond(
        "mappings/_field.html",
        edit,
        anchor=anchor,
        table_type=table_type,
        name=name,
        synonyms=synonyms,
        form=problems,
    )


async def _table_response(edit: Edit, form: dict[str, str]) -> ResponseReturnValue:
    table_type = form.get("table_type", "")
    anchor = f"table-{table_type}"
    problems = {"target": anchor, "problems": edit.problems, "values": form}
    return await _respond(
        "mappings/_table.html", edit, anchor=anchor, table_type=table_type, form=problems
    )


@bp.get("/mappings")
async def show_mappings() -> ResponseReturnValue:
    edit = await mapping_edits.current(resources())
    return await render_template(PAGE, edit=edit, access=_access())


@bp.get("/mappings/status")
async def show_status() -> ResponseReturnValue:
    edit = await mapping_edits.current(resources())
    return await page_or_fragment(PAGE, "mappings/_status.html", edit=edit, access=_access())


@bp.get("/mappings/raw")
async def show_raw() -> ResponseReturnValue:
    edit = await mapping_edits.current(resources())
    return await page_or_fragment(PAGE, "mappings/_raw.html", edit=edit, access=_access())


@bp.get("/mappings/tables/<table_type>")
async def show_table(table_type: str) -> ResponseReturnValue:
    mapping_edits.section_of(table_type)
    edit = await mapping_edits.current(resources())
    context: dict[str, Any] = {"edit": edit, "access": _access(), "table_type": table_type}
    return await page_or_fragment(PAGE, "mappings/_table.html", **context)


async def _synonym_edit(change: Any) -> ResponseReturnValue:
    require_admin()
    form = await _form()
    edit = await change(
        resources(),
        form.get("table_type", ""),
        form.get("field", ""),
        form.get("synonym", ""),
        author=author_label(),
    )
    return await _field_response(edit, form)


@bp.post("/mappings/synonyms")
async def add_synonym() -> ResponseReturnValue:
    return await _synonym_edit(mapping_edits.add_synonym)


@bp.post("/mappings/synonyms/remove")
async def remove_synonym() -> ResponseReturnValue:
    return await _synonym_edit(mapping_edits.remove_synonym)


@bp.post("/mappings/fields")
async def add_field() -> ResponseReturnValue:
    require_admin()
    form = await _form()
    edit = await mapping_edits.add_field(
        resources(),
        form.get("table_type", ""),
        form.get("field", ""),
        form.get("synonyms", ""),
        author=author_label(),
    )
    return await _table_response(edit, form)


@bp.post("/mappings/fields/remove")
async def remove_field() -> ResponseReturnValue:
    require_admin()
    form = await _form()
    edit = await mapping_edits.remove_field(
        resources(), form.get("table_type", ""), form.get("field", ""), author=author_label()
    )
    return await _table_response(edit, form)


@bp.post("/mappings/raw")
async def save_raw() -> ResponseReturnValue:
    require_admin()
    form = await _form()
    edit = await mapping_edits.replace(
        resources(),
        form.get("document", ""),
        base_version=_whole_number(form.get("base_version")),
        author=author_label(),
        comment=form.get("comment") or None,
    )
    form_state = {"target": "raw", "problems": edit.problems, "values": form}
    return await _respond("mappings/_raw.html", edit, anchor="raw", event=REPLACED, form=form_state)


@bp.post("/mappings/preview")
async def preview() -> ResponseReturnValue:
    form = await _form()
    table_type, headers = form.get("table_type", "people"), _split_headers(form.get("headers", ""))
    mapping = await mappings.preview(resources(), table_type, headers) if headers else None
    context: dict[str, Any] = {"preview": mapping, "preview_form": form, "access": _access()}
    if not wants_fragment():
        context["edit"] = await mapping_edits.current(resources())
    return await page_or_fragment(PAGE, "mappings/_preview.html", **context)


def _whole_number(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise BadInput("Expected a version number.", code="bad_version")
    return int(value)


@bp.get("/mappings/history")
async def show_history() -> ResponseReturnValue:
    shown = await mapping_versions.history(
        resources(), _whole_number(request.args.get("old")), _whole_number(request.args.get("new"))
    )
    context: dict[str, Any] = {"history": shown, "access": _access()}
    return await page_or_fragment(HISTORY_PAGE, "mappings/_versions.html", **context)


@bp.get("/mappings/history/diff")
async def show_diff() -> ResponseReturnValue:
    shown = await mapping_versions.history(
        resources(), _whole_number(request.args.get("old")), _whole_number(request.args.get("new"))
    )
    context: dict[str, Any] = {"history": shown, "access": _access()}
    return await page_or_fragment(HISTORY_PAGE, "mappings/_diff.html", **context)


@bp.post("/mappings/history/rollback")
async def ask_rollback() -> ResponseReturnValue:
    require_admin()
    version = _whole_number((await _form()).get("version"))
    shown = await mapping_versions.history(resources())
    context: dict[str, Any] = {"history": shown, "access": _access(), "pending": version}
    return await page_or_fragment(HISTORY_PAGE, "mappings/_versions.html", **context)


@bp.post("/mappings/history/rollback/confirm")
async def confirm_rollback() -> ResponseReturnValue:
    require_admin()
    version = _whole_number((await _form()).get("version"))
    if version is None:
        raise BadInput("Choose a version to roll back to.", code="bad_version")
    shown = await mapping_versions.roll_back(resources(), version, author=author_label())
    if not wants_fragment():
        return redirect(url_for("ui_mappings.show_history"), 303)
    body = await render_template("mappings/_versions.html", history=shown, access=_access())
    return body, 200, {"HX-Trigger": CHANGED, "Vary": "HX-Request"}
