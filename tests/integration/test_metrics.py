"""GET /api/metrics: queue depth, workers, jobs by status and live delivery rates."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.conftest import ADMIN_TOKEN
from tests.integration.test_delivery_jobs import people
from tests.integration.test_jobs_api import start, upload, wait_for
from tests.support.receiver import Receiver, ok


async def metrics(client: Any) -> dict[str, Any]:
    response = await client.get("/api/metrics")
    assert response.status_code == 200
    body: dict[str, Any] = await response.get_json()
    return body


async def test_an_idle_system_reports_zeros(client) -> None:
    body = await metrics(client)
    assert body["queue"]["queued"] == 0 and body["queue"]["active"] == 0
    assert body["jobs"] == {
        "pending": 0,
        "processing": 0,
        "delivering": 0,
        "completed": 0,
        "failed": 0,
        "cancelled": 0,
    }
    assert body["delivery"]["jobs_delivering"] == 0
    assert body["delivery"]["current_rate_total"] == 0


async def test_a_delivering_job_shows_in_rates_and_counts_without_its_ids(client, worker) -> None:
    with Receiver.start(ok) as receiver:
        uploaded = await (await upload(client, ("p.csv", people(200)))).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=10
        )
        assert await asyncio.to_thread(receiver.wait_for, 25, 20)
        body = await metrics(client)
        await client.post(f"/api/jobs/{job_id}/cancel")
        await wait_for(client, job_id, ("cancelled",))
    assert body["workers"] >= 1
    assert body["jobs"]["delivering"] == 1
    assert body["queue"]["active"] == 1  # the delivery run holds one worker slot
    assert body["delivery"]["jobs_delivering"] == 1
    assert body["delivery"]["rate_limit_total"] == 10
    assert 5 <= body["delivery"]["current_rate_total"] <= 11
    text = json.dumps(body)
    assert job_id not in text and uploaded["upload_id"] not in text
    after = await metrics(client)
    assert after["jobs"]["cancelled"] == 1 and after["delivery"]["jobs_delivering"] == 0


async def test_with_an_admin_token_metrics_need_it(admin_client) -> None:
    refused = await admin_client.get("/api/metrics")
    assert refused.status_code == 401
    assert (await refused.get_json())["error"]["code"] == "admin_required"
    allowed = await admin_client.get(
        "/api/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert allowed.status_code == 200
