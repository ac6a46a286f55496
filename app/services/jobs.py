"""Jobs as a session sees them: start, status, history, cancel, rate, results."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from app.delivery import UnsafeTarget
from app.errors import BadInput, Conflict, Invalid, NotFound
from app.queue import enqueue_processing
from app.resources import Resources
from app.services import job_rows, job_status, progress, quotas
from app.services.job_runs import QUEUED, QUEUED_GRACE_SECONDS, lease_until
from app.services.uploads import TABLE_TYPES
from app.storage.models import ACTIVE_STATUSES, TERMINAL_STATUSES, Job, Upload, UploadFile
from app.storage.paths import is_valid_id, new_id

MAX_RATE = 1000
# A fresh install has no measured speed yet; this is a cautious rows/second guess.
DEFAULT_ROWS_PER_SECOND = 20_000.0
THROUGHPUT_KEY = "metrics:processing_rows_per_second"


async def owned_job(res: Resources, owner: str, job_id: str) -> Job:
    """The job if it belongs to `owner`; another session's job does not exist for them."""
    if not is_valid_id(job_id):
        raise NotFound("That job does not exist.", code="job_not_found")
    async with res.db() as db:
        job = await db.get(Job, job_id)
    if job is None or job.session_id != owner:
        raise NotFound("That job does not exist.", code="job_not_found")
    return job


async def create(res: Resources, *, owner: str, payload: Any) -> dict[str, Any]:
    """Validate a process request, store the job and queue it; answers the 202 body."""
    request = await _validated_request(res, owner, payload)
    job = Job(
        id=new_id(),
        session_id=owner,
        status="pending",
        stage="queued",
        lease_owner=QUEUED,
        lease_expires_at=lease_until(QUEUED_GRACE_SECONDS),
        **request,
    )
    async with res.db.begin() as db:
        # Count and add in one step: parallel requests of a session queue up here.
        await quotas.lock_session(db, owner)
        await quotas.check_concurrent_jobs(db, res.settings, owner)
        db.add(job)
    try:
        await progress.set_rate(res.redis, job.id, job.rate_limit)
        await enqueue_processing(res.queue, res.settings, job.id)
    except BaseException:
        async with res.db.begin() as db:  # not queued: do not leave a job that never runs
            await db.execute(delete(Job).where(Job.id == job.id))
        raise
    estimate = await _estimated_seconds(res, job)
    return {"status": "success", "job_id": job.id, "estimated_duration": estimate}


async def _validated_request(res: Resources, owner: str, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BadInput("Send a JSON object.", code="bad_json")
    upload_id = payload.get("upload_id")
    table_type = payload.get("table_type")
    if table_type not in TABLE_TYPES:
        raise Invalid("table_type must be company or people.", code="bad_table_type")
    files = await _upload_files(res, owner, upload_id)
    webhook_url = await _validated_webhook(res, payload.get("webhook_url"))
    rate = _validated_rate(payload.get("webhook_rate_limit", res.settings.WEBHOOK_RATE_LIMIT))
    overrides = _validated_overrides(payload.get("mapping_overrides") or {}, files)
    return {
        "upload_id": upload_id,
        "table_type": table_type,
        "webhook_url": webhook_url,
        "rate_limit": rate,
        "mapping_overrides": overrides,
        "files": [file.display_name for file in files],
        "input_records": sum(file.records for file in files),
    }


async def _upload_files(res: Resources, owner: str, upload_id: Any) -> list[UploadFile]:
    if upload_id is None or upload_id == "":
        raise Invalid(
            "upload_id is required: the id POST /api/upload answered.", code="missing_upload_id"
        )
    if not isinstance(upload_id, str):
        raise Invalid("upload_id must be a string.", code="bad_upload_id")
    if not is_valid_id(upload_id):
        raise NotFound("That upload does not exist.", code="upload_not_found")
    async with res.db() as db:
        upload = await db.get(Upload, upload_id)
        if upload is None or upload.session_id != owner:
            raise NotFound("That upload does not exist.", code="upload_not_found")
        query = (
            select(UploadFile)
            .where(UploadFile.upload_id == upload_id, UploadFile.deleted_at.is_(None))
            .order_by(UploadFile.position)
        )
        files = list((await db.scalars(query)).all())
    if not files:
        raise Conflict("That upload has no files left; upload them again.", code="upload_empty")
    return files


async def _validated_webhook(res: Resources, url: Any) -> str | None:
    if url in (None, ""):
        return None
    if not isinstance(url, str) or len(url) > 2048:
        raise Invalid("webhook_url must be an http(s) URL.", code="bad_webhook_url")
    try:
        res.guard.check_url_syntax(url)
        await res.guard.resolve(url)
    except UnsafeTarget as exc:
        raise Invalid(f"Webhook refused: {exc.reason}", code="unsafe_webhook_url") from None
    return url.strip()


def _validated_rate(rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= MAX_RATE:
        raise Invalid(
            f"webhook_rate_limit must be a number from 0 (no limit) to {MAX_RATE}.",
            code="bad_rate_limit",
        )
    return float(rate)


def _validated_overrides(overrides: Any, files: list[UploadFile]) -> dict[str, dict[str, Any]]:
    if not isinstance(overrides, dict):
        raise Invalid("mapping_overrides must be an object.", code="bad_overrides")
    known = {file.display_name: set(file.columns) for file in files}
    for filename, headers in overrides.items():
        if filename not in known:
            raise Invalid(
                f"mapping_overrides names an unknown file: {filename}", code="bad_overrides"
            )
        if not isinstance(headers, dict):
            raise Invalid(
                f"mapping_overrides[{filename!r}] must be an object.", code="bad_overrides"
            )
        for header, target in headers.items():
            if header not in known[filename]:
                raise Invalid(f"{filename} has no column {header!r}.", code="bad_overrides")
            if target is not None and not (isinstance(target, str) and target.strip()):
                raise Invalid(
                    f"mapping_overrides[{filename!r}][{header!r}] must be a field or null.",
                    code="bad_overrides",
                )
    return overrides


async def _estimated_seconds(res: Resources, job: Job) -> int:
    measured = await res.redis.get(THROUGHPUT_KEY)
    rows_per_second = float(measured) if measured else DEFAULT_ROWS_PER_SECOND
    seconds = job.input_records / max(rows_per_second, 1.0)
    if job.webhook_url and job.rate_limit > 0:
        seconds += job.input_records / job.rate_limit
    return max(1, round(seconds))


async def status(res: Resources, *, owner: str, job_id: str) -> dict[str, Any]:
    """GET /status: the database row with live counters from Redis while the job runs."""
    job = await owned_job(res, owner, job_id)
    return await job_status.describe(res, job)


async def list_for(res: Resources, *, owner: str) -> dict[str, Any]:
    """This session's jobs, newest first."""
    async with res.db() as db:
        query = select(Job).where(Job.session_id == owner).order_by(Job.created_at.desc())
        rows = list((await db.scalars(query)).all())
    return {"jobs": [await job_status.describe(res, job, with_summary=True) for job in rows]}


async def cancel(res: Resources, *, owner: str, job_id: str) -> dict[str, Any]:
    """Stop a pending or running job; it ends `cancelled`."""
    job = await owned_job(res, owner, job_id)
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"The job is already {job.status}.", code="job_finished")
    # The row first: a run that sees the flag must find the job already cancelled.
    cancelled = await job_rows.mark(
        res,
        job_id,
        only_if=ACTIVE_STATUSES,
        status="cancelled",
        stage="cancelled",
        error_message="Cancelled by you.",
        finished_at=datetime.now(UTC),
    )
    if not cancelled:
        raise Conflict("The job has already finished.", code="job_finished")
    await progress.request_cancel(res.redis, job_id)
    await job_rows.publish_quietly(res, job, status="cancelled")
    return await status(res, owner=owner, job_id=job_id)


async def change_rate(res: Resources, *, owner: str, job_id: str, payload: Any) -> dict[str, Any]:
    """Set the job's sending rate; a running delivery follows within a second."""
    if not isinstance(payload, dict) or "rate_limit" not in payload:
        raise BadInput('Send {"rate_limit": number}.', code="bad_json")
    rate = _validated_rate(payload["rate_limit"])
    job = await owned_job(res, owner, job_id)
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"The job is already {job.status}.", code="job_finished")
    async with res.db.begin() as db:
        row = await db.get(Job, job_id)
        assert row is not None
        previous, row.rate_limit = row.rate_limit, rate
    await progress.set_rate(res.redis, job_id, rate)
    return {"status": "success", "new_rate_limit": rate, "previous_rate_limit": previous}


def _ready_file(job: Job, path: Path) -> Path:
    if not job.is_result_ready or job.is_purged or not path.exists():
        if job.is_purged:
            raise NotFound("This job's results have expired.", code="results_expired")
        raise Conflict("The result is not ready yet.", code="result_not_ready")
    return path


async def preview(res: Resources, *, owner: str, job_id: str, limit: Any) -> dict[str, Any]:
    """The first `limit` output records (default 50, at most 500)."""
    try:
        count = 50 if limit in (None, "") else int(limit)
    except (TypeError, ValueError):
        raise BadInput("limit must be a whole number.", code="bad_limit") from None
    if not 1 <= count <= 500:
        raise BadInput("limit must be from 1 to 500.", code="bad_limit")
    job = await owned_job(res, owner, job_id)
    path = _ready_file(job, res.paths.preview(job.session_id, job.id))
    records = json.loads(path.read_text(encoding="utf-8"))
    return {"job_id": job.id, "total_records": job.total_records, "records": records[:count]}


async def report(res: Resources, *, owner: str, job_id: str) -> dict[str, Any]:
    """The processing report, as written when processing ended."""
    path = await report_file(res, owner=owner, job_id=job_id)
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


async def report_file(res: Resources, *, owner: str, job_id: str) -> Path:
    """The report's file, for streaming it as it is (it lists every merged cluster)."""
    job = await owned_job(res, owner, job_id)
    return _ready_file(job, res.paths.report(job.session_id, job.id))


async def download(res: Resources, *, owner: str, job_id: str) -> tuple[Path, str]:
    """The merged CSV and the file name the contract gives it."""
    job = await owned_job(res, owner, job_id)
    path = _ready_file(job, res.paths.result_csv(job.session_id, job.id))
    stamp = (job.processed_at or job.created_at).strftime("%Y-%m-%d_%H-%M")
    return path, f"{job.table_type}_leads_{stamp}.csv"
