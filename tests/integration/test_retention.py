"""Retention and storage: cleanup with the clock moved forward, the storage monitor, 507."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.services import cleanup, storage_status
from app.services.quotas import folder_bytes
from app.storage.models import DeliveryRecord, Job, SessionRow, Upload, UploadFile
from tests.integration.test_jobs_api import PEOPLE_A, start, upload, wait_for


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def count(resources, model, **where) -> int:  # type: ignore[no-untyped-def]
    async with resources.db() as db:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await db.scalar(query) or 0)


async def test_expired_session_leaves_nothing_but_a_running_jobs_files_survive(
    app, resources, worker
) -> None:
    finished, running = app.test_client(), app.test_client()
    done_upload = await (await upload(finished, ("a.csv", PEOPLE_A.encode()))).get_json()
    done_job = await start(finished, done_upload["upload_id"])
    await wait_for(finished, done_job, ("completed",))
    finished_sid = (await (await finished.get("/api/session")).get_json())["session_id"]
    await worker.stop()  # nothing picks up the next job: it stays active (pending)
    live_upload = await (await upload(running, ("b.csv", PEOPLE_A.encode()))).get_json()
    live_job = await start(running, live_upload["upload_id"])
    running_sid = (await (await running.get("/api/session")).get_json())["session_id"]

    counts = await cleanup.run(resources, now=datetime.now(UTC) + timedelta(hours=49))

    assert counts.sessions_removed == 1 and counts.files_removed >= 5
    assert not resources.paths.session_dir(finished_sid).exists()
    for model in (Job, Upload, UploadFile, SessionRow):
        key = "id" if model is SessionRow else "session_id"
        assert await count(resources, model, **{key: finished_sid}) == 0
    assert await count(resources, DeliveryRecord, job_id=done_job) == 0
    assert not await resources.redis.exists(f"session:{finished_sid}")
    assert not await resources.redis.keys(f"job:{finished_sid}:*")
    assert files_under(resources.paths.session_dir(running_sid))  # its upload survives
    assert await count(resources, Job, id=live_job) == 1


async def test_old_results_are_purged_but_the_job_summary_stays(
    app, resources, worker, migrated
) -> None:
    client = app.test_client()
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    await wait_for(client, job_id, ("completed",))
    later = datetime.now(UTC) + timedelta(hours=migrated.DATA_RETENTION_HOURS + 1)
    async with resources.db.begin() as db:
        row = await db.get(
            SessionRow, (await (await client.get("/api/session")).get_json())["session_id"]
        )
        row.expires_at = later + timedelta(hours=1)

    counts = await cleanup.run(resources, now=later)

    assert counts.jobs_purged == 1 and counts.sessions_removed == 0
    status = await (await client.get(f"/api/jobs/{job_id}/status")).get_json()
    assert status["status"] == "completed" and status["progress"]["total_records"] == 3
    assert not status["progress"]["download_available"]
    assert (await client.get(f"/api/jobs/{job_id}/download")).status_code == 404
    history = await (await client.get("/api/jobs")).get_json()
    assert [job["job_id"] for job in history["jobs"]] == [job_id]


async def test_storage_status_matches_a_disk_walk(client, resources, migrated) -> None:
    await upload(client, ("a.csv", PEOPLE_A.encode()), ("b.csv", PEOPLE_A.encode() * 3))
    status = await storage_status.describe(resources)
    walked = folder_bytes(migrated.DATA_DIR)
    assert abs(status["total_storage_used_bytes"] - walked) < 64 * 1024  # SQLite WAL moves
    assert status["session_count"] == 1 and status["active_jobs"] == 0
    session_bytes = folder_bytes(resources.paths.sessions)
    assert sum(s["storage_used_bytes"] for s in status["sessions"]) == session_bytes
    response = await client.get("/api/storage/status")
    assert response.status_code == 200
    assert set(await response.get_json()) >= {
        "total_storage_used_mb",
        "total_storage_limit_mb",
        "session_count",
        "active_jobs",
        "next_cleanup",
        "last_cleanup",
        "files_cleaned_last_run",
    }


async def test_uploads_get_507_past_the_total_storage_limit(app, resources, migrated) -> None:
    client = app.test_client()
    await client.get("/api/session")
    used = folder_bytes(migrated.DATA_DIR)
    resources.settings.MAX_TOTAL_STORAGE_GB = (used + 64 * 1024) / 1024**3
    first = await upload(client, ("a.csv", PEOPLE_A.encode() * 600))  # about 120 KiB
    second = await upload(client, ("b.csv", PEOPLE_A.encode()))
    assert first.status_code == 200
    assert second.status_code == 507
    assert (await second.get_json())["error"]["code"] == "storage_full"


async def test_storage_status_after_a_cleanup_run_names_the_next_one(resources) -> None:
    await cleanup.run(resources)
    status = await storage_status.describe(resources)
    last = datetime.fromisoformat(status["last_cleanup"])
    assert last.tzinfo is not None
    assert datetime.fromisoformat(status["next_cleanup"]) > last


def test_next_cleanup_follows_the_cron_schedule() -> None:
    at = datetime(2026, 1, 1, 10, 7, tzinfo=UTC)
    assert cleanup.next_run(60, at) == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    assert cleanup.next_run(15, at) == datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    assert cleanup.next_run(120, at) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
