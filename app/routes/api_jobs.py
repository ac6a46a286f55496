"""The jobs API: start, list, status, cancel, rate, failed, retry, preview, report, download."""

from __future__ import annotations

from quart import Blueprint, request, send_file
from quart.typing import ResponseReturnValue

from app.routes._context import open_session, resources, session_id
from app.routes._json import json_body
from app.services import deliveries, jobs

bp = Blueprint("api_jobs", __name__, url_prefix="/api")
bp.before_request(open_session)


@bp.post("/process")
async def start_job() -> ResponseReturnValue:
    return await jobs.create(resources(), owner=session_id(), payload=await json_body()), 202


@bp.get("/jobs")
async def list_jobs() -> ResponseReturnValue:
    return await jobs.list_for(resources(), owner=session_id())


@bp.get("/jobs/<job_id>/status")
async def job_status(job_id: str) -> ResponseReturnValue:
    return await jobs.status(resources(), owner=session_id(), job_id=job_id)


@bp.post("/jobs/<job_id>/cancel")
async def cancel_job(job_id: str) -> ResponseReturnValue:
    return await jobs.cancel(resources(), owner=session_id(), job_id=job_id)


@bp.put("/jobs/<job_id>/rate")
async def change_rate(job_id: str) -> ResponseReturnValue:
    payload = await json_body()
    return await jobs.change_rate(resources(), owner=session_id(), job_id=job_id, payload=payload)


@bp.get("/jobs/<job_id>/failed")
async def failed_deliveries(job_id: str) -> ResponseReturnValue:
    return await deliveries.failed(resources(), owner=session_id(), job_id=job_id)


@bp.post("/jobs/<job_id>/retry-failed")
async def retry_failed(job_id: str) -> ResponseReturnValue:
    return await deliveries.retry_failed(resources(), owner=session_id(), job_id=job_id)


@bp.get("/jobs/<job_id>/preview")
async def preview(job_id: str) -> ResponseReturnValue:
    limit = request.args.get("limit")
    return await jobs.preview(resources(), owner=session_id(), job_id=job_id, limit=limit)


@bp.get("/jobs/<job_id>/report")
async def report(job_id: str) -> ResponseReturnValue:
    path = await jobs.report_file(resources(), owner=session_id(), job_id=job_id)
    return await send_file(path, mimetype="application/json")


@bp.get("/jobs/<job_id>/download")
async def download(job_id: str) -> ResponseReturnValue:
    path, filename = await jobs.download(resources(), owner=session_id(), job_id=job_id)
    return await send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        attachment_filename=filename,
        conditional=True,
    )


@bp.post("/webhook/test")
async def test_webhook() -> ResponseReturnValue:
    return await deliveries.send_test(resources(), payload=await json_body())
