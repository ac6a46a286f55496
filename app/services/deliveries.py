"""Failed deliveries a session can see and send again; the test send before a job starts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from app.delivery import UnsafeTarget, send_test_record
from app.errors import BadInput, Conflict, Invalid, UpstreamFailed
from app.queue import enqueue_delivery
from app.resources import Resources
from app.services import delivery_records, job_rows
from app.services.delivery_runs import delivery_options
from app.services.job_runs import QUEUED, QUEUED_GRACE_SECONDS, lease_until
from app.services.jobs import owned_job
from app.services.uploads import TABLE_TYPES
from app.storage.models import ACTIVE_STATUSES

MAX_FAILED_LISTED = 1000
SAMPLE_RECORDS = {
    "company": {
        "Company Name": "Acme Inc",
        "Company Domain": "acme.com",
        "Industry": "Software",
        "Company LinkedIn": "https://www.linkedin.com/company/acme",
    },
    "people": {
        "First Name": "Ada",
        "Last Name": "Lovelace",
        "Full Name": "Ada Lovelace",
        "Email": "ada@example.com",
        "Job Title": "Head of Engineering",
        "Company Name": "Acme Inc",
        "Company Website": "acme.com",
    },
}


def records_at(path: Any, rows: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Output records by 1-based row, reading only the record batches that hold them."""
    wanted = sorted(set(rows))
    found: dict[int, dict[str, Any]] = {}
    if not wanted:
        return found
    with pa.memory_map(str(path)) as source:
        reader = pa.ipc.open_file(source)
        first_row, index = 1, 0
        for batch_index in range(reader.num_record_batches):
            batch = reader.get_batch(batch_index)
            end_row = first_row + batch.num_rows
            while index < len(wanted) and wanted[index] < end_row:
                row = wanted[index]
                if row >= first_row:
                    found[row] = batch.slice(row - first_row, 1).to_pylist()[0]
                index += 1
            if index == len(wanted):
                break
            first_row = end_row
    return found


async def failed(res: Resources, *, owner: str, job_id: str) -> dict[str, Any]:
    """GET /failed: every failed delivery with its record and last error."""
    job = await owned_job(res, owner, job_id)
    entries = await delivery_records.failed_page(res, job.id, limit=MAX_FAILED_LISTED)
    path = res.paths.result_records(job.session_id, job.id)
    rows = [entry.row for entry in entries]
    records = await asyncio.to_thread(records_at, path, rows) if path.exists() else {}
    return {
        "failed": [
            {
                "row": entry.row,
                "idempotency_key": f"{job.id}:{entry.row}",
                "record": records.get(entry.row),
                "attempts": entry.attempts,
                "last_status": entry.last_status,
                "last_error": entry.last_error,
                "last_attempt_at": entry.last_attempt_at.isoformat()
                if entry.last_attempt_at
                else None,
            }
            for entry in entries
        ],
        "total_failed": job.failed_webhooks,
    }


async def retry_failed(res: Resources, *, owner: str, job_id: str) -> dict[str, Any]:
    """POST /retry-failed: send the failed deliveries again, then any not yet sent."""
    job = await owned_job(res, owner, job_id)
    if job.status in ACTIVE_STATUSES:
        raise Conflict("The job is still running; retry when it has finished.", code="job_running")
    if job.status == "cancelled":
        raise Conflict("The job was cancelled; start a new one.", code="job_cancelled")
    if not job.webhook_url or not job.is_result_ready or job.is_purged:
        raise Conflict("This job has no deliveries to retry.", code="nothing_to_retry")
    unsent = job.total_records - job.successful_webhooks - job.failed_webhooks
    if job.failed_webhooks == 0 and unsent <= 0:
        raise Conflict("There are no failed deliveries.", code="nothing_to_retry")
    reopened = await job_rows.mark(
        res,
        job.id,
        only_if=("completed", "failed"),
        status="delivering",
        stage="delivering",
        error_message=None,
        finished_at=None,
        lease_owner=QUEUED,
        lease_expires_at=lease_until(QUEUED_GRACE_SECONDS),
    )
    if not reopened:
        raise Conflict("The job changed meanwhile; reload and try again.", code="job_changed")
    await enqueue_delivery(res.queue, job.id, f"retry{job.run_count}", include_failed=True)
    await job_rows.publish_quietly(res, job, status="delivering")
    return {"status": "success", "job_id": job.id, "retrying": job.failed_webhooks + unsent}


async def send_test(res: Resources, *, payload: Any) -> dict[str, Any]:
    """POST /api/webhook/test: one sample record to the URL, through the same guard."""
    if not isinstance(payload, dict):
        raise BadInput("Send a JSON object.", code="bad_json")
    url, table_type = payload.get("webhook_url"), payload.get("table_type", "people")
    if table_type not in TABLE_TYPES:
        raise Invalid("table_type must be company or people.", code="bad_table_type")
    if not isinstance(url, str) or not url:
        raise Invalid("webhook_url must be an http(s) URL.", code="bad_webhook_url")
    try:
        res.guard.check_url_syntax(url)
        await res.guard.resolve(url)
        result = await send_test_record(
            res.http, res.guard, url, SAMPLE_RECORDS[table_type], delivery_options(res)
        )
    except UnsafeTarget as exc:
        raise Invalid(f"Webhook refused: {exc.reason}", code="unsafe_webhook_url") from None
    body = {
        "http_status": result.http_status,
        "elapsed_ms": result.elapsed_ms,
        "response_excerpt": result.response_excerpt,
    }
    if not result.is_success:
        raise UpstreamFailed(
            f"The webhook test failed: {result.error}", code="webhook_test_failed", details=body
        )
    return {"status": "success", **body}
