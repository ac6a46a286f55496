"""Job pages: history, the live dashboard and its fragments, and the forms that steer a job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import Blueprint, redirect, render_template, request, url_for
from quart.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.errors import BadInput, Invalid
from app.routes._context import open_session, resources, session_id
from app.routes._htmx import STOP_POLLING, page_or_fragment, wants_fragment
from app.routes.ui_pages import files_from
from app.services import deliveries, job_status, jobs
from app.storage.models import TERMINAL_STATUSES

bp = Blueprint("ui_jobs", __name__)
bp.before_request(open_session)

PREVIEW_ROWS = 20
CLUSTERS_SHOWN = 50
FAILED_SHOWN = 100


@dataclass(frozen=True)
class Seen:
    """What a live view already shows; a fragment carries it so updates send only news."""

    status: str = ""
    failed: int = -1
    ready: bool = False

    @classmethod
    def of(cls, job: dict[str, Any]) -> Seen:
        progress = job["progress"]
        return cls(job["status"], progress["failed_webhooks"], progress["download_available"])

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> Seen:
        failed = args.get("failed", "")
        return cls(
            args.get("status", ""),
            int(failed) if failed.isdigit() else -1,
            args.get("ready") == "1",
        )

    def as_args(self) -> dict[str, Any]:
        return {"status": self.status, "failed": self.failed, "ready": int(self.ready)}


def rate_from(form: MultiDict[str, str]) -> float:
    """The chosen preset, or the number typed next to "Other"."""
    choice = form.get("rate", "")
    raw = form.get("rate_other", "") if choice == "other" else choice
    try:
        return float(raw)
    except ValueError:
        raise Invalid(
            "Choose a sending rate, or type a number of records per second.", code="bad_rate_limit"
        ) from None


def overrides_from(form: MultiDict[str, str]) -> dict[str, dict[str, str | None]]:
    """The columns whose target field the person changed, per file name."""
    overrides: dict[str, dict[str, str | None]] = {}
    for file in files_from(form):
        filename, file_id = file["filename"], file["file_id"]
        columns, detected = file["columns"], file["mapping"]
        chosen: dict[str, str | None] = {}
        used: dict[str, str] = {}
        for index, header in enumerate(columns):
            was = (detected.get(header) or {}).get("field")
            value = form.get(f"map:{file_id}:{index}", "")
            target = None if value == "-" else (value or None)
            if target is not None and target in used:
                raise Invalid(
                    f"In {filename}, the columns “{used[target]}” and “{header}” are "
                    f"both set to {target}. Choose one of them.",
                    code="bad_overrides",
                )
            if target is not None:
                used[target] = header
            if value != "" and target != was:
                chosen[header] = target
        if chosen:
            overrides[filename] = chosen
    return overrides


def start_payload(form: MultiDict[str, str]) -> dict[str, Any]:
    """The POST /api/process body the start form describes."""
    if not form.get("upload_id"):
        raise BadInput("Add at least one CSV file before starting.", code="no_files")
    return {
        "upload_id": form["upload_id"],
        "table_type": form.get("table_type", ""),
        "webhook_url": form.get("webhook_url", "").strip() or None,
        "webhook_rate_limit": rate_from(form),
        "mapping_overrides": overrides_from(form),
    }


def announcement(before: Seen | None, now: Seen, job: dict[str, Any]) -> str:
    """What a screen reader hears when a live view changes: endings and failures."""
    if before is None:
        return ""
    progress = job["progress"]
    if now.status != before.status and now.status == "completed":
        sent = f", {progress['successful_webhooks']:,} sent" if job["webhook_url"] else ""
        failed = f", {progress['failed_webhooks']:,} failed" if progress["failed_webhooks"] else ""
        return f"Merge finished: {progress['total_records']:,} records{sent}{failed}."
    if now.status != before.status and now.status == "failed":
        return f"The job stopped: {job['error_message'] or 'an error occurred'}."
    if now.status != before.status and now.status == "cancelled":
        return "The job was cancelled."
    if before.failed >= 0 and now.failed > before.failed:
        return f"{now.failed - before.failed:,} more deliveries failed; {now.failed:,} in all."
    if now.status != before.status and now.status == "delivering":
        return f"Merging done: {progress['total_records']:,} records. Sending them now."
    return ""


async def dashboard(owner: str, job_id: str, before: Seen | None) -> dict[str, Any]:
    """The job's status and, when they are new to the viewer, its failures and results."""
    res = resources()
    job = await job_status.describe(
        res, await jobs.owned_job(res, owner, job_id), with_summary=True
    )
    now = Seen.of(job)
    context: dict[str, Any] = {
        "job": job,
        "seen": now,
        "is_terminal": job["status"] in TERMINAL_STATUSES,
        "announcement": announcement(before, now, job),
        "has_news": before is None or before.status != now.status,
        "presets": res.settings.WEBHOOK_RATE_PRESETS,
        "preview_rows": PREVIEW_ROWS,
        "clusters_shown": CLUSTERS_SHOWN,
        "failed_shown": FAILED_SHOWN,
    }
    if job["webhook_url"] and (
        before is None or before.status != now.status or before.failed != now.failed
    ):
        context["failed"] = await deliveries.failed(res, owner=owner, job_id=job_id)
    if now.ready and (before is None or not before.ready):
        context["preview"] = await jobs.preview(res, owner=owner, job_id=job_id, limit=PREVIEW_ROWS)
        context["report"] = await jobs.report(res, owner=owner, job_id=job_id)
        records = context["preview"]["records"]
        context["preview_columns"] = list(dict.fromkeys(key for row in records for key in row))
    return context


async def live_update(
    owner: str, job_id: str, before: Seen | None, **extra: Any
) -> tuple[str, Seen]:
    """The live update (progress plus whatever else changed, all swapped out of band)."""
    context = {**await dashboard(owner, job_id, before), **extra}
    return await render_template("jobs/_live.html", oob=True, **context), context["seen"]


async def render_live(owner: str, job_id: str, before: Seen | None, **extra: Any) -> str:
    html, _seen = await live_update(owner, job_id, before, **extra)
    return html


@bp.get("/jobs")
async def index() -> ResponseReturnValue:
    answer = await jobs.list_for(resources(), owner=session_id())
    return await render_template("jobs/index.html", jobs=answer["jobs"])


@bp.post("/jobs")
async def start() -> ResponseReturnValue:
    payload = start_payload(await request.form)
    answer = await jobs.create(resources(), owner=session_id(), payload=payload)
    target = url_for("ui_jobs.show", job_id=answer["job_id"])
    if not wants_fragment():
        return redirect(target, 303)
    return "", 200, {"HX-Redirect": target}


@bp.get("/jobs/<job_id>")
async def show(job_id: str) -> ResponseReturnValue:
    before = Seen.from_args(request.args) if wants_fragment() else None
    context = await dashboard(session_id(), job_id, before)
    status = STOP_POLLING if wants_fragment() and context["is_terminal"] else 200
    return await page_or_fragment("jobs/show.html", "jobs/_live.html", status=status, **context)


@bp.post("/jobs/<job_id>/rate")
async def change_rate(job_id: str) -> ResponseReturnValue:
    payload = {"rate_limit": rate_from(await request.form)}
    answer = await jobs.change_rate(resources(), owner=session_id(), job_id=job_id, payload=payload)
    message = f"Sending rate set to {rate_label(answer['new_rate_limit'])}."
    return await render_live(
        session_id(), job_id, None, announcement=message, controls_message=message
    )


@bp.post("/jobs/<job_id>/cancel")
async def cancel(job_id: str) -> ResponseReturnValue:
    await jobs.cancel(resources(), owner=session_id(), job_id=job_id)
    message = "The job was cancelled."
    return await render_live(
        session_id(), job_id, None, announcement=message, controls_message=message
    )


@bp.post("/jobs/<job_id>/retry")
async def retry(job_id: str) -> ResponseReturnValue:
    answer = await deliveries.retry_failed(resources(), owner=session_id(), job_id=job_id)
    message = f"Sending {answer['retrying']:,} failed deliveries again."
    return await render_live(
        session_id(), job_id, None, announcement=message, failed_message=message
    )


@bp.post("/webhook/test")
async def test_webhook() -> ResponseReturnValue:
    form = await request.form
    payload = {
        "webhook_url": form.get("webhook_url", "").strip(),
        "table_type": form.get("table_type") or "people",
    }
    answer = await deliveries.send_test(resources(), payload=payload)
    return await render_template("jobs/_webhook_test.html", answer=answer)


def rate_label(rate: float) -> str:
    return "no limit" if rate == 0 else f"{rate:g} records per second"
