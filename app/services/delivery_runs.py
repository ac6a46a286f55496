"""The delivery phase of a job: stream the result's records to the webhook, resumably."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout

from app.delivery import DeliveryEngine, DeliveryOptions, RecordOutcome
from app.processing import io as csv_io
from app.resources import Resources
from app.services import delivery_records, job_rows
from app.services.job_runs import RunControl
from app.services.loops import Loop
from app.storage.models import DeliveryRecord, Job

log = logging.getLogger(__name__)
SAVE_RETRY_WAITS = (1, 2, 5, 10, 20)
PUBLISH_EVERY_SECONDS = 0.5

STOP_MESSAGES = {
    "gone": "The webhook answered 410 Gone: delivery stopped and the remaining records are "
    "listed as failed. Fix the endpoint, then retry the failed deliveries.",
    "endpoint keeps failing": "The endpoint keeps failing: delivery is paused after {n} failed "
    "records in a row. Check the endpoint, then retry the failed deliveries to continue.",
}


def delivery_options(res: Resources) -> DeliveryOptions:
    settings = res.settings
    return DeliveryOptions(
        timeout=settings.WEBHOOK_TIMEOUT,
        retry_backoff=settings.retry_waits,
        concurrency=settings.WEBHOOK_CONCURRENCY,
        max_consecutive_failures=settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES,
        signing_secret=settings.WEBHOOK_SIGNING_SECRET,
    )


async def run(res: Resources, job: Job, control: RunControl, *, include_failed: bool) -> None:
    """Send every record not yet acknowledged (and, on a retry, the failed ones)."""
    assert job.webhook_url
    if not await job_rows.mark(
        res,
        job.id,
        only_if=("delivering",),
        stage="delivering",
        is_delivery_paused=False,
        error_message=None,
    ):
        return  # cancelled or ended before this run began
    skip = await delivery_records.finished_rows(
        res, job.id, job.total_records, include_failed=include_failed
    )
    counters = _Counters(res, job)
    await counters.load()
    engine = DeliveryEngine(res.http, delivery_options(res))
    path = res.paths.result_records(job.session_id, job.id)
    reporter = Loop(lambda: counters.publish(engine, control), PUBLISH_EVERY_SECONDS).start()
    try:
        result = await engine.run(
            job_id=job.id,
            url=job.webhook_url,
            records=_pending_records(path, skip),
            rate=control.rate,
            on_outcomes=counters.record,
            is_cancelled=control.is_cancelled,
        )
    finally:
        await reporter.stop()
    await counters.load()
    await _end(res, job, control, result.stopped_reason, counters)


def _pending_records(path: Any, skip: bytearray) -> Iterator[tuple[int, dict[str, Any]]]:
    for row, record in csv_io.iter_records(path):
        if not skip[row]:
            yield row, record


async def _end(
    res: Resources, job: Job, control: RunControl, stopped: str | None, counters: _Counters
) -> None:
    totals = counters.totals()
    if stopped == "cancelled" or (stopped is None and control.is_cancelled()):
        # Cancelled by the user (status already says so) or stopping for a shutdown or a lost
        # lease: keep the counts as a checkpoint; a later run resumes from delivery_records.
        await job_rows.mark(res, job.id, **totals)
        return
    if stopped == "gone":  # the engine reported every remaining record as failed
        await job_rows.mark(res, job.id, **totals)
        await job_rows.fail(res, job, STOP_MESSAGES["gone"], only_if=("delivering",))
        return
    if stopped == "endpoint keeps failing":
        message = STOP_MESSAGES[stopped].format(n=res.settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES)
        await job_rows.mark(res, job.id, is_delivery_paused=True, **totals)
        await job_rows.fail(res, job, message, only_if=("delivering",))
        return
    done = await job_rows.mark(
        res,
        job.id,
        only_if=("delivering",),
        status="completed",
        stage="done",
        finished_at=datetime.now(UTC),
        **totals,
    )
    if done:
        await job_rows.publish_quietly(res, job, status="completed", stage="done", **totals)


class _Counters:
    """Delivered/failed counts: exact from the database, live in Redis between batches."""

    def __init__(self, res: Resources, job: Job) -> None:
        self.res, self.job = res, job
        self.delivered = self.failed = 0

    async def load(self) -> None:
        async with self.res.db() as db:
            rows = await db.execute(
                select(DeliveryRecord.status, func.count())
                .where(DeliveryRecord.job_id == self.job.id)
                .group_by(DeliveryRecord.status)
            )
            counts = dict(rows.all())
        self.delivered = int(counts.get("delivered", 0))
        self.failed = int(counts.get("failed", 0))

    def totals(self) -> dict[str, Any]:
        return {"successful_webhooks": self.delivered, "failed_webhooks": self.failed}

    async def record(self, outcomes: list[RecordOutcome]) -> None:
        """Persist a batch of outcomes, then update the counters from what changed.

        A busy or briefly unreachable database is waited out (the engine holds back new
        sends meanwhile): losing this batch would mean sending its records again.
        """
        for wait in SAVE_RETRY_WAITS:
            try:
                delivered, failed = await delivery_records.save(self.res, self.job.id, outcomes)
                break
            except (OperationalError, DBAPIError, SQLAlchemyTimeout):
                log.warning(
                    "job %s: saving outcomes failed; retrying in %s s",
                    self.job.id,
                    wait,
                    exc_info=True,
                )
                await asyncio.sleep(wait)
        else:
            delivered, failed = await delivery_records.save(self.res, self.job.id, outcomes)
        self.delivered += delivered
        self.failed += failed

    async def publish(self, engine: DeliveryEngine, control: RunControl) -> None:
        await job_rows.publish_quietly(
            self.res,
            self.job,
            status="delivering",
            stage="delivering",
            processed=self.delivered + self.failed,
            **self.totals(),
            current_rate=round(engine.measured_rate(), 2),
            rate_limit=control.rate(),
        )
