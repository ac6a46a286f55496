"""The processing phase of a job: run the pipeline off the event loop and keep its results."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from app.processing import errors as processing_errors
from app.processing import io as csv_io
from app.processing.pipeline import InputFile, MergeOptions, PipelineResult
from app.processing.pipeline import run as run_pipeline
from app.resources import Resources
from app.services import job_rows, mappings
from app.services.job_runs import RunControl
from app.services.jobs import THROUGHPUT_KEY
from app.services.loops import Loop
from app.storage.models import Job, UploadFile

log = logging.getLogger(__name__)

PREVIEW_ROWS = 500
# How long a cancelled run waits for its pipeline thread to notice and stop.
THREAD_STOP_SECONDS = 30
PUBLISH_EVERY_SECONDS = 0.5


@dataclass(frozen=True)
class ProcessingPlan:
    inputs: list[InputFile]
    options: MergeOptions
    document: dict[str, Any]
    mapping_version: int
    outputs: dict[str, Path]


async def plan(res: Resources, job: Job) -> ProcessingPlan:
    """Inputs, options and the mapping version current when the job starts."""
    version, document = await mappings.current(res)
    async with res.db() as db:
        query = (
            select(UploadFile)
            .where(UploadFile.upload_id == job.upload_id, UploadFile.deleted_at.is_(None))
            .order_by(UploadFile.position)
        )
        files = list((await db.scalars(query)).all())
    inputs = [
        InputFile(
            path=res.paths.upload_file(job.session_id, file.stored_name),
            display_name=file.display_name,
            overrides=dict(job.mapping_overrides.get(file.display_name, {})),
        )
        for file in files
    ]
    settings = res.settings
    options = MergeOptions(
        table_type=job.table_type,
        threshold=settings.FUZZY_MATCH_THRESHOLD,
        smart_merge=settings.SMART_MERGE_ENABLED,
        clean_domains=settings.CLEAN_DOMAINS,
        normalize=settings.NORMALIZE_DATA,
    )
    outputs = {
        "csv": res.paths.result_csv(job.session_id, job.id),
        "records": res.paths.result_records(job.session_id, job.id),
        "report": res.paths.report(job.session_id, job.id),
        "preview": res.paths.preview(job.session_id, job.id),
    }
    return ProcessingPlan(inputs, options, document, version, outputs)


async def run(res: Resources, job: Job, control: RunControl) -> Job | None:
    """pending/processing → results on disk → delivering or completed. None if it stopped."""
    work = await plan(res, job)
    started_now = await job_rows.mark(
        res,
        job.id,
        only_if=("pending", "processing"),
        status="processing",
        stage="reading",
        started_at=datetime.now(UTC),
        mapping_version=work.mapping_version,
        error_message=None,
    )
    if not started_now:
        return None  # cancelled before this run began
    reporter = _ProgressReporter(res, job)
    publisher = Loop(reporter.publish, PUBLISH_EVERY_SECONDS).start()
    started = time.monotonic()
    try:
        result = await _in_thread(_process_and_write, work, reporter.update, control)
    except processing_errors.Cancelled:
        return None
    except processing_errors.ProcessingError as exc:
        await job_rows.fail(res, job, str(exc), only_if=("pending", "processing"))
        return None
    finally:
        await publisher.stop()
    await _remember_throughput(res, result, time.monotonic() - started)
    return await _finish(res, job, result)


async def _in_thread(
    function: Any, work: ProcessingPlan, on_progress: Any, control: RunControl
) -> PipelineResult:
    """Run the pipeline in a thread; if this run is cancelled (timeout, shutdown), tell the
    thread to stop and wait for it, so two pipelines never write the same files."""
    thread = asyncio.ensure_future(asyncio.to_thread(function, work, on_progress, control))
    try:
        return await asyncio.shield(thread)
    except asyncio.CancelledError:
        control.stop("aborted")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(thread), THREAD_STOP_SECONDS)
        raise


def _process_and_write(
    work: ProcessingPlan, on_progress: Any, control: RunControl
) -> PipelineResult:
    """Runs in a thread: the pipeline, then every output written atomically."""
    outputs = work.outputs

    def write_table(table: pa.Table) -> None:  # beside the pipeline building its report
        outputs["csv"].parent.mkdir(parents=True, exist_ok=True)
        _atomic(outputs["csv"], lambda path: csv_io.write_csv(table, path))
        _atomic(outputs["records"], lambda path: csv_io.write_records(table, path))
        preview = table.slice(0, PREVIEW_ROWS).to_pylist()
        _atomic(outputs["preview"], lambda path: csv_io.write_json(preview, path))

    result = run_pipeline(
        work.inputs,
        work.document,
        work.options,
        progress=on_progress,
        is_cancelled=control.is_cancelled,
        write_table=write_table,
    )
    on_progress("writing", 0, 1)
    report = {**result.report, "mapping_version": work.mapping_version}
    _atomic(outputs["report"], lambda path: csv_io.write_json(report, path))
    on_progress("writing", 1, 1)
    return PipelineResult(table=result.table, report=report)


def _atomic(target: Path, write: Any) -> None:
    """Write to a temporary name and rename, so a crash never leaves a half file as final."""
    partial = target.with_name(target.name + ".partial")
    write(partial)
    os.replace(partial, target)


async def _finish(res: Resources, job: Job, result: PipelineResult) -> Job | None:
    counts = result.report.get("counts", {})
    next_status = "delivering" if job.webhook_url else "completed"
    values = {
        "status": next_status,
        "stage": "delivering" if job.webhook_url else "done",
        "input_records": int(counts.get("input_records", 0)),
        "total_records": int(counts.get("output_records", result.table.num_rows)),
        "duplicates_removed": int(counts.get("duplicates_removed", 0)),
        "fields_merged": int(counts.get("fields_merged", 0)),
        "domains_cleaned": int(counts.get("domains_cleaned", 0)),
        "is_result_ready": True,
        "processed_at": datetime.now(UTC),
    }
    if not job.webhook_url:
        values["finished_at"] = datetime.now(UTC)
    if not await job_rows.mark(res, job.id, only_if=("processing",), **values):
        return None  # cancelled while the last chunk ran
    log.info(
        "job %s processed: %s rows in, %s out",
        job.id,
        values["input_records"],
        values["total_records"],
    )
    await job_rows.publish_quietly(
        res,
        job,
        **{k: v for k, v in values.items() if k not in ("processed_at", "finished_at")},
        processing_fraction=1,
    )
    async with res.db() as db:
        return await db.get(Job, job.id)


async def _remember_throughput(res: Resources, result: PipelineResult, seconds: float) -> None:
    """Keep the measured speed for the next estimate (best effort)."""
    rows = int(result.report.get("counts", {}).get("input_records", 0))
    if rows >= 1000 and seconds > 0:
        with contextlib.suppress(Exception):
            await res.redis.set(THROUGHPUT_KEY, str(rows / seconds))


class _ProgressReporter:
    """Collects progress from the processing thread; `publish` sends what changed."""

    def __init__(self, res: Resources, job: Job) -> None:
        self.res, self.job = res, job
        self.stage, self.fraction, self.dirty = "reading", 0.0, True
        self.stages_seen: list[str] = []

    def update(self, stage: str, done: int, total: int) -> None:
        """Called from the processing thread (the GIL makes these writes safe)."""
        if stage not in self.stages_seen:
            self.stages_seen.append(stage)
        within = done / total if total else 1.0
        # Stages are not known ahead; each new one takes part of what remains.
        index = len(self.stages_seen) - 1
        self.fraction = min(0.99, 1 - 0.6**index * (1 - 0.4 * within))
        self.stage, self.dirty = stage, True

    async def publish(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        await job_rows.publish_quietly(
            self.res,
            self.job,
            status="processing",
            stage=self.stage,
            processing_fraction=round(self.fraction, 3),
        )
