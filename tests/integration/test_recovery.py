"""Recovery of stalled jobs, driven directly: leases that expire, crash counts, giving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.queue import queue_entry_waiting
from app.services import recovery
from app.services.job_runs import CRASHED, QUEUED, claim
from app.storage.models import Job
from tests.integration.test_jobs_api import PEOPLE_A, start, upload


async def expire_lease(resources, job_id: str, owner: str) -> None:  # type: ignore[no-untyped-def]
    async with resources.db.begin() as db:
        await db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(lease_owner=owner, lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def load(resources, job_id: str) -> Job:  # type: ignore[no-untyped-def]
    async with resources.db() as db:
        job = await db.get(Job, job_id)
    assert job is not None
    return job


async def test_a_job_waiting_in_a_long_queue_is_left_in_the_queue_and_never_failed(
    client, resources
) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    for _ in range(recovery.MAX_RECOVERIES + 2):
        await expire_lease(resources, job_id, QUEUED)
        assert await recovery.recover_stalled(resources) == []  # its entry is still queued
    job = await load(resources, job_id)
    assert job.status == "pending" and job.recoveries == 0


async def test_a_job_whose_queue_entry_was_lost_is_queued_again(client, resources) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    await resources.redis.delete(f"csv-merger:queue-entry:{job_id}")  # as if Redis lost it
    await expire_lease(resources, job_id, QUEUED)
    assert await recovery.recover_stalled(resources) == [job_id]
    assert await queue_entry_waiting(resources.queue, job_id)
    job = await load(resources, job_id)
    assert job.status == "pending" and job.recoveries == 0


async def test_crashed_runs_are_retried_then_the_job_fails_with_a_message(
    client, resources
) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    for attempt in range(recovery.MAX_RECOVERIES):
        await expire_lease(resources, job_id, CRASHED if attempt % 2 else "dead-worker:1")
        assert await recovery.recover_stalled(resources) == [job_id]
        assert (await load(resources, job_id)).status == "pending"
    await expire_lease(resources, job_id, "dead-worker:2")
    await recovery.recover_stalled(resources)
    job = await load(resources, job_id)
    assert job.status == "failed"
    assert "stopped unexpectedly" in (job.error_message or "")


async def test_only_one_run_holds_a_lease(client, resources) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    assert await claim(resources, job_id, "worker-a")
    assert not await claim(resources, job_id, "worker-b")
    await expire_lease(resources, job_id, "worker-a")
    assert await claim(resources, job_id, "worker-b")
