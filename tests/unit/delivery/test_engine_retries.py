"""Acceptance 2: retries, Retry-After, 410 and an endpoint that keeps failing."""

from __future__ import annotations

import json

import httpx

from app.delivery import DeliveryEngine, DeliveryOptions
from app.delivery.engine import GONE_ERROR
from tests.support.receiver import (
    ReceivedRequest,
    Receiver,
    Reply,
    always,
    fail_first,
    ok,
    throttle_first,
)
from tests.unit.delivery.conftest import Outcomes


def lead(row: int) -> dict[str, str]:
    return {"email": f"lead{row}@example.com", "name": "Zoë Ünal"}


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    rows: range | list[int],
    options: DeliveryOptions,
    outcomes: Outcomes,
    *,
    rate: float = 0,
    job_id: str = "job-1",
):
    engine = DeliveryEngine(client, options)
    return await engine.run(
        job_id=job_id,
        url=url,
        records=[(row, lead(row)) for row in rows],
        rate=lambda: rate,
        on_outcomes=outcomes,
        is_cancelled=lambda: False,
    )


def by_key(receiver: Receiver) -> dict[str, list[ReceivedRequest]]:
    grouped: dict[str, list[ReceivedRequest]] = {}
    for request in receiver.requests:
        grouped.setdefault(request.key or "", []).append(request)
    return grouped


async def test_two_failures_then_success_waits_one_then_three_seconds(
    webhook_client: httpx.AsyncClient, outcomes: Outcomes
) -> None:
    with Receiver.start(fail_first(2)) as receiver:
        options = DeliveryOptions(timeout=5, retry_backoff=(1, 3, 9), batch_interval=0.1)
        result = await deliver(webhook_client, receiver.url, range(1, 4), options, outcomes)
    assert result.delivered == 3 and result.sent == 9
    for requests in by_key(receiver).values():
        first, second = (b.at - a.at for a, b in zip(requests, requests[1:], strict=False))
        assert 1.0 <= first < 1.5 and 3.0 <= second < 3.5
    assert {o.attempts for o in outcomes.all} == {3}


async def test_always_500_makes_four_attempts_and_a_later_run_delivers_with_the_same_keys(
    webhook_client: httpx.AsyncClient, fast_options: DeliveryOptions, outcomes: Outcomes
) -> None:
    with Receiver.start(always(500)) as receiver:
        result = await deliver(webhook_client, receiver.url, range(1, 6), fast_options, outcomes)
        assert result.failed == 5 and result.sent == 20
        assert all(len(requests) == 4 for requests in by_key(receiver).values())
        failed = outcomes.by_row()
        assert all(o.status == "failed" and o.attempts == 4 for o in failed.values())
        assert all(
            o.last_status == 500 and o.last_error == 'HTTP 500: {"error":"nope"}'
            for o in failed.values()
        )
        first_bodies = {r.key: r.body for r in receiver.requests}

        receiver.clear()
        receiver.behaviour = ok
        retried = Outcomes()
        again = await deliver(webhook_client, receiver.url, sorted(failed), fast_options, retried)
    assert again.delivered == 5 and again.sent == 5
    assert {r.key: r.body for r in receiver.requests} == first_bodies
    assert {o.idempotency_key for o in retried.all} == {o.idempotency_key for o in failed.values()}


async def test_retry_after_is_honoured_without_using_up_an_attempt(
    webhook_client: httpx.AsyncClient, fast_options: DeliveryOptions, outcomes: Outcomes
) -> None:
    with Receiver.start(throttle_first(1, retry_after="1")) as receiver:
        result = await deliver(
            webhook_client, receiver.url, range(1, 4), fast_options, outcomes, rate=30
        )
    assert result.delivered == 3
    for requests in by_key(receiver).values():
        assert [r.attempt for r in requests] == [1, 2]
        assert requests[1].at - requests[0].at >= 1.0
    assert {o.attempts for o in outcomes.all} == {1}


async def test_a_throttled_attempt_is_not_counted_among_the_four(
    webhook_client: httpx.AsyncClient, fast_options: DeliveryOptions, outcomes: Outcomes
) -> None:
    def throttle_then_fail(request: ReceivedRequest) -> Reply:
        if request.attempt == 1:
            return Reply(503, b"busy", {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"})
        return Reply(500, b"broken")

    with Receiver.start(throttle_then_fail) as receiver:
        result = await deliver(webhook_client, receiver.url, [7], fast_options, outcomes, rate=50)
    assert result.failed == 1 and len(receiver.requests) == 5
    (outcome,) = outcomes.all
    assert outcome.attempts == 4 and outcome.last_status == 500


async def test_410_stops_delivery_and_lists_the_rest_as_failed(
    webhook_client: httpx.AsyncClient, outcomes: Outcomes
) -> None:
    options = DeliveryOptions(timeout=5, concurrency=2, batch_size=50)
    with Receiver.start(always(410)) as receiver:
        result = await deliver(webhook_client, receiver.url, range(1, 301), options, outcomes)
    assert result.stopped_reason == "gone"
    assert len(receiver.requests) <= 3
    assert result.failed == 300 and sorted(outcomes.by_row()) == list(range(1, 301))
    assert all(o.status == "failed" and o.last_error == GONE_ERROR for o in outcomes.all)
    assert all(len(batch) <= 50 for batch in outcomes.batches)


async def test_consecutive_failures_pause_the_job_as_endpoint_keeps_failing(
    webhook_client: httpx.AsyncClient, outcomes: Outcomes
) -> None:
    options = DeliveryOptions(
        timeout=5, retry_backoff=(), concurrency=2, max_consecutive_failures=5
    )
    with Receiver.start(always(502)) as receiver:
        result = await deliver(webhook_client, receiver.url, range(1, 101), options, outcomes)
    assert result.stopped_reason == "endpoint keeps failing"
    assert 5 <= result.failed <= 7 and len(receiver.requests) <= 8
    assert all(o.status == "failed" for o in outcomes.all)


async def test_each_record_carries_contract_headers_and_identical_bytes_on_every_attempt(
    webhook_client: httpx.AsyncClient, fast_options: DeliveryOptions, outcomes: Outcomes
) -> None:
    with Receiver.start(fail_first(1)) as receiver:
        await deliver(webhook_client, receiver.url, [3], fast_options, outcomes, job_id="j-42")
    first, second = receiver.requests
    expected = json.dumps(lead(3), ensure_ascii=False, separators=(",", ":")).encode()
    assert first.body == second.body == expected
    for request in (first, second):
        assert request.headers["content-type"] == "application/json"
        assert request.headers["idempotency-key"] == "j-42:3"
        assert request.headers["x-csv-merger-job"] == "j-42"
        assert "webhook-signature" not in request.headers
