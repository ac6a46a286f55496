"""Recovery does not wait for a dead run's lease to run out, nor trust a dead worker's entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from saq.job import Status
from sqlalchemy import update

from app.queue import _latest_key
from app.services import job_runs, liveness, recovery
from app.storage.models import Job
from tests.integration.test_jobs_api import PEOPLE_A, start, upload


async def hold_lease(resources, job_id: str, owner: str, seconds: float) -> None:  # type: ignore[no-untyped-def]
    async with resources.db.begin() as db:
        await db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                lease_owner=owner, lease_expires_at=datetime.now(UTC) + timedelta(seconds=seconds)
            )
        )


async def new_job(client) -> str:  # type: ignore[no-untyped-def]
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    return await start(client, uploaded["upload_id"])


async def test_a_lease_whose_process_is_gone_is_taken_over_before_it_runs_out(
    client, resources
) -> None:
    job_id = await new_job(client)
    await liveness.mark_alive(resources.redis)  # the sweeping worker beats
    dead = "other-host:4242:abcdef" + "123456"
    await hold_lease(resources, job_id, dead, job_runs.LEASE_SECONDS)
    assert await recovery.recover_stalled(resources) == [job_id]


async def test_a_lease_whose_process_beats_is_left_alone(client, resources) -> None:
    job_id = await new_job(client)
    await liveness.mark_alive(resources.redis)
    await hold_lease(resources, job_id, liveness.new_owner(), job_runs.LEASE_SECONDS)
    assert await recovery.recover_stalled(resources) == []


async def test_without_its_own_beat_recovery_trusts_only_leases(client, resources) -> None:
    job_id = await new_job(client)  # Redis lost every key (a restart): nobody looks alive
    await hold_lease(resources, job_id, "other-host:4242:abcdef123456", job_runs.LEASE_SECONDS)
    assert await recovery.recover_stalled(resources) == []


async def test_a_queued_lease_behind_a_dead_workers_active_entry_is_queued_again(
    client, resources
) -> None:
    job_id = await new_job(client)
    key = (await resources.queue.redis.get(_latest_key(job_id))).decode()
    entry = await resources.queue.job(key)
    # Taken by a worker that was killed while it ran: SAQ still says active.
    await resources.queue.update(entry, status=Status.ACTIVE, worker_id="dead-worker-1")
    await hold_lease(resources, job_id, job_runs.QUEUED, -1)
    assert await recovery.recover_stalled(resources) == [job_id]


async def test_a_queued_entry_handed_to_a_connection_nobody_reads_is_queued_again(
    client, resources
) -> None:
    job_id = await new_job(client)
    queue = resources.queue
    # A worker's blocking pop took the id off the waiting list, and the worker died before it
    # read the answer: the entry still says queued, but no list holds it.
    assert await queue.redis.lmove(queue._queued, queue._active, "LEFT", "RIGHT")
    await hold_lease(resources, job_id, job_runs.QUEUED, -1)
    assert await recovery.recover_stalled(resources) == [job_id]
    again = await recovery.recover_stalled(resources)
    assert again == []  # the new entry is in line: left alone
