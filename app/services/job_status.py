"""The status of a job in the contract's shape: the database row plus live Redis counters."""

from __future__ import annotations

from typing import Any

from app.resources import Resources
from app.services import progress
from app.storage.models import Job

# Share of the progress bar that processing takes when a webhook delivery follows it.
PROCESSING_SHARE = 20.0
LIVE_COUNTERS = (
    "input_records",
    "total_records",
    "processed",
    "successful_webhooks",
    "failed_webhooks",
    "duplicates_removed",
    "fields_merged",
    "domains_cleaned",
)


def _number(value: str | None, default: float = 0.0) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def percentage(job: Job, counters: dict[str, Any], processing_fraction: float) -> float:
    """One bar across processing and delivery."""
    if job.status == "completed":
        return 100.0
    share = PROCESSING_SHARE if job.webhook_url else 100.0
    if job.status in ("pending", "processing") or not job.is_result_ready:
        return round(share * min(max(processing_fraction, 0.0), 1.0), 1)
    total = counters["total_records"] or 0
    done = counters["processed"] / total if total else 1.0
    return round(share + (100.0 - share) * min(done, 1.0), 1)


async def describe(res: Resources, job: Job, *, with_summary: bool = False) -> dict[str, Any]:
    """GET /status's body (with created_at, table_type and files when `with_summary`)."""
    counters: dict[str, Any] = {
        name: getattr(job, name) for name in LIVE_COUNTERS if name != "processed"
    }
    counters["processed"] = job.successful_webhooks + job.failed_webhooks
    live = await progress.read(res.redis, job.session_id, job.id) if _is_live(job) else {}
    for name in LIVE_COUNTERS:
        if live.get(name):
            counters[name] = int(_number(live[name]))
    if not job.webhook_url and job.is_result_ready:
        counters["processed"] = counters["total_records"]
    counters["duplicates_removed"] = (
        max(counters["input_records"] - counters["total_records"], 0)
        if job.is_result_ready
        else counters["duplicates_removed"]
    )
    body: dict[str, Any] = {
        "job_id": job.id,
        "status": job.status,
        "stage": live.get("stage") or job.stage,
        "progress": {
            **counters,
            "percentage": percentage(job, counters, _number(live.get("processing_fraction"))),
            "current_rate": round(_number(live.get("current_rate")), 2) if _is_live(job) else 0.0,
            "rate_limit": job.rate_limit,
            "eta_seconds": _eta(job, counters, _number(live.get("current_rate"))),
            "download_available": job.is_result_ready and not job.is_purged,
            "download_url": f"/api/jobs/{job.id}/download"
            if job.is_result_ready and not job.is_purged
            else None,
        },
        "error_message": job.error_message,
        "webhook_url": job.webhook_url,
        "is_delivery_paused": job.is_delivery_paused,
        "mapping_version": job.mapping_version,
    }
    if with_summary:
        body.update(
            created_at=job.created_at.isoformat(),
            finished_at=job.finished_at.isoformat() if job.finished_at else None,
            table_type=job.table_type,
            files=job.files,
        )
    return body


def _is_live(job: Job) -> bool:
    return job.status in ("pending", "processing", "delivering")


def _eta(job: Job, counters: dict[str, Any], current_rate: float) -> int | None:
    """Seconds of delivery left at the measured (or configured) rate; None when unknown."""
    if job.status != "delivering":
        return None
    left = max(counters["total_records"] - counters["processed"], 0)
    rate = current_rate or job.rate_limit
    return round(left / rate) if rate > 0 else None
