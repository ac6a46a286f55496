"""Webhook delivery of whole jobs through the API, a real worker, Redis and a local receiver."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from app.config import Settings
from tests.integration.test_jobs_api import start, upload, wait_for
from tests.support.receiver import Receiver, always, ok

pytestmark = pytest.mark.slow


def people(rows: int) -> bytes:
    lines = ["First Name,Last Name,Email"]
    lines += [f"Person{i},Family{i},p{i}@example{i}.com" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    best, start_index = 0, 0
    for end_index, at in enumerate(times):
        while at - times[start_index] >= 1.0:
            start_index += 1
        best = max(best, end_index - start_index + 1)
    return best


@pytest.fixture
def fast_retries(migrated: Settings) -> Settings:
    migrated.WEBHOOK_RETRY_BACKOFF = [0.1, 0.1, 0.1]
    return migrated


async def test_rate_limit_holds_and_a_live_change_applies_within_a_second(client, worker) -> None:
    with Receiver.start(ok) as receiver:
        uploaded = await (await upload(client, ("p.csv", people(110)))).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=10
        )
        assert await asyncio.to_thread(receiver.wait_for, 25, 20)
        changed_at = time.monotonic()
        response = await client.put(f"/api/jobs/{job_id}/rate", json={"rate_limit": 30})
        assert (await response.get_json())["new_rate_limit"] == 30
        done = await wait_for(client, job_id, ("completed",), within=30)
        times = [request.at for request in receiver.requests]
    before = [at for at in times if at < changed_at]
    after = [at for at in times if at >= changed_at + 1.0]
    spacing = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    assert max_in_any_second(before) <= 10, spacing
    assert max_in_any_second(after) <= 30, spacing
    assert max_in_any_second(after) >= 20, spacing  # it really went faster
    assert done["progress"]["successful_webhooks"] == 110
    assert done["progress"]["rate_limit"] == 30


async def test_always_failing_receiver_lists_failures_then_retry_delivers_them(
    client, worker, fast_retries: Settings
) -> None:
    with Receiver.start(always(500)) as receiver:
        uploaded = await (await upload(client, ("p.csv", people(5)))).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=0
        )
        done = await wait_for(client, job_id, ("completed", "failed"), within=30)
        assert done["status"] == "completed"  # its deliveries failed, the job itself did not
        assert done["progress"]["failed_webhooks"] == 5
        failed = (await (await client.get(f"/api/jobs/{job_id}/failed")).get_json())["failed"]
        assert [entry["row"] for entry in failed] == [1, 2, 3, 4, 5]
        assert all(entry["attempts"] == 4 and entry["last_status"] == 500 for entry in failed)
        assert failed[0]["record"]["Email"] == "p0@example0.com"
        assert failed[0]["idempotency_key"] == f"{job_id}:1"
        first_bodies = {request.key: request.body for request in receiver.requests}

        receiver.behaviour = ok
        retry = await client.post(f"/api/jobs/{job_id}/retry-failed")
        assert retry.status_code == 200
        healed = await wait_for(client, job_id, ("completed",), within=30)
        assert healed["progress"]["successful_webhooks"] == 5
        assert healed["progress"]["failed_webhooks"] == 0
        last = {r.key: r.body for r in receiver.requests if r.attempt == 5}
    assert last == first_bodies  # the same keys, byte-identical bodies
    assert (await (await client.get(f"/api/jobs/{job_id}/failed")).get_json())["failed"] == []


async def test_gone_endpoint_stops_delivery_and_lists_the_rest(client, worker) -> None:
    with Receiver.start(always(410)) as receiver:
        uploaded = await (await upload(client, ("p.csv", people(50)))).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=5
        )
        done = await wait_for(client, job_id, ("completed", "failed"), within=30)
        sent = receiver.count
    assert done["status"] == "failed" and "410" in done["error_message"]
    assert sent < 10
    assert done["progress"]["failed_webhooks"] == 50
    failed = (await (await client.get(f"/api/jobs/{job_id}/failed")).get_json())["failed"]
    assert len(failed) == 50


async def test_endpoint_that_keeps_failing_pauses_and_retry_continues(
    client, worker, fast_retries: Settings
) -> None:
    fast_retries.WEBHOOK_MAX_CONSECUTIVE_FAILURES = 3
    fast_retries.WEBHOOK_CONCURRENCY = 1
    with Receiver.start(always(503)) as receiver:
        uploaded = await (await upload(client, ("p.csv", people(40)))).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=0
        )
        paused = await wait_for(client, job_id, ("completed", "failed"), within=30)
        assert paused["status"] == "failed" and paused["is_delivery_paused"]
        assert "keeps failing" in paused["error_message"]
        receiver.behaviour = ok
        assert (await client.post(f"/api/jobs/{job_id}/retry-failed")).status_code == 200
        done = await wait_for(client, job_id, ("completed",), within=30)
    assert done["progress"]["successful_webhooks"] == 40
    assert done["progress"]["failed_webhooks"] == 0


async def test_cancel_stops_sending_within_a_second(client, worker) -> None:
    with Receiver.start(ok) as receiver:
        uploaded = await (await upload(client, ("p.csv", people(200)))).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=20
        )
        assert await asyncio.to_thread(receiver.wait_for, 10, 20)
        cancelled_at = time.monotonic()
        body: dict[str, Any] = await (await client.post(f"/api/jobs/{job_id}/cancel")).get_json()
        assert body["status"] == "cancelled"
        await asyncio.sleep(2)
        late = [r for r in receiver.requests if r.at > cancelled_at + 1.0]
    assert late == []
    status = await (await client.get(f"/api/jobs/{job_id}/status")).get_json()
    assert status["status"] == "cancelled"
