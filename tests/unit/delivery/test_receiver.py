"""The test receiver itself: its log over HTTP for other processes, and dropped connections."""

from __future__ import annotations

import httpx

from app.delivery import DeliveryEngine, DeliveryOptions
from tests.support.receiver import Receiver, Reply
from tests.unit.delivery.conftest import Outcomes


async def test_the_log_is_readable_over_http(receiver: Receiver) -> None:
    async with httpx.AsyncClient(trust_env=False) as plain:
        await plain.post(receiver.url, json={"a": 1}, headers={"Idempotency-Key": "k:1"})
        log = (await plain.get(receiver.url.replace("/hook", "/_requests"))).json()
    assert receiver.wait_for(1)
    assert [(row["path"], row["body"], row["attempt"]) for row in log] == [("/hook", '{"a":1}', 1)]


async def test_a_dropped_connection_is_a_retried_connection_error(
    webhook_client: httpx.AsyncClient, outcomes: Outcomes
) -> None:
    with Receiver.start(lambda request: Reply(status=0)) as receiver:
        await DeliveryEngine(webhook_client, DeliveryOptions(retry_backoff=(0.05,))).run(
            job_id="d",
            url=receiver.url,
            records=[(1, {})],
            rate=lambda: 0,
            on_outcomes=outcomes,
            is_cancelled=lambda: False,
        )
    (outcome,) = outcomes.all
    assert outcome.status == "failed" and outcome.attempts == 2 == len(receiver.requests)
    assert (outcome.last_error or "").startswith("connection failed: RemoteProtocolError")
