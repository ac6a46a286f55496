"""Cancel, streaming, batching and the webhook test send."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.delivery import (
    DeliveryEngine,
    DeliveryOptions,
    TargetGuard,
    UnsafeTarget,
    send_test_record,
)
from app.delivery.attempt import parse_retry_after
from tests.support.receiver import Receiver, always
from tests.unit.delivery.conftest import Outcomes


async def test_cancel_stops_sending_within_a_second(
    webhook_client: httpx.AsyncClient, receiver: Receiver, outcomes: Outcomes
) -> None:
    cancelled_at: list[float] = []

    def is_cancelled() -> bool:
        if not cancelled_at and receiver.count >= 15:
            cancelled_at.append(time.monotonic())
        return bool(cancelled_at)

    result = await DeliveryEngine(webhook_client, DeliveryOptions(timeout=5)).run(
        job_id="c",
        url=receiver.url,
        records=((row, {"n": row}) for row in range(1, 500)),
        rate=lambda: 20,
        on_outcomes=outcomes,
        is_cancelled=is_cancelled,
    )
    assert result.stopped_reason == "cancelled"
    assert time.monotonic() - cancelled_at[0] < 1.0
    assert all(request.at < cancelled_at[0] + 1.0 for request in receiver.requests)
    assert {o.row for o in outcomes.all} <= set(range(1, 25))


async def test_records_are_streamed_not_read_ahead(
    webhook_client: httpx.AsyncClient, receiver: Receiver, outcomes: Outcomes
) -> None:
    pulled = [0]

    async def source() -> AsyncIterator[tuple[int, dict[str, int]]]:
        for row in range(1, 100_001):
            pulled[0] = row
            yield row, {"n": row}

    started = time.monotonic()
    options = DeliveryOptions(timeout=5, max_in_flight=20)
    await DeliveryEngine(webhook_client, options).run(
        job_id="s",
        url=receiver.url,
        records=source(),
        rate=lambda: 50,
        on_outcomes=outcomes,
        is_cancelled=lambda: time.monotonic() - started > 1,
    )
    assert pulled[0] <= 20 + len(receiver.requests) + 1 < 100


async def test_outcomes_arrive_in_batches_of_at_most_the_batch_size(
    webhook_client: httpx.AsyncClient, receiver: Receiver, outcomes: Outcomes
) -> None:
    def rows() -> Iterator[tuple[int, dict[str, int]]]:
        return ((row, {"n": row}) for row in range(1, 601))

    options = DeliveryOptions(timeout=5, batch_size=100)
    result = await DeliveryEngine(webhook_client, options).run(
        job_id="b",
        url=receiver.url,
        records=rows(),
        rate=lambda: 0,
        on_outcomes=outcomes,
        is_cancelled=lambda: False,
    )
    assert result.delivered == 600 and len(outcomes.all) == 600
    assert all(0 < len(batch) <= 100 for batch in outcomes.batches)
    assert sorted(outcomes.by_row()) == list(range(1, 601))


async def test_a_failing_sink_stops_the_run_and_raises(
    webhook_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    async def broken(batch: object) -> None:
        raise RuntimeError("database is down")

    with pytest.raises(RuntimeError, match="database is down"):
        await DeliveryEngine(webhook_client, DeliveryOptions(batch_size=5)).run(
            job_id="x",
            url=receiver.url,
            records=((row, {"n": row}) for row in range(1, 10_000)),
            rate=lambda: 0,
            on_outcomes=broken,
            is_cancelled=lambda: False,
        )
    await asyncio.sleep(0.1)
    count = receiver.count
    await asyncio.sleep(0.3)
    assert receiver.count == count < 10_000


async def test_webhook_test_send_reports_status_time_and_excerpt(
    webhook_client: httpx.AsyncClient, guard: TargetGuard, receiver: Receiver
) -> None:
    result = await send_test_record(
        webhook_client, guard, receiver.url, {"email": "test@example.com"}, DeliveryOptions()
    )
    assert result.is_success and result.http_status == 200
    assert result.response_excerpt == '{"ok":true}' and result.elapsed_ms >= 0
    assert receiver.requests[0].json() == {"email": "test@example.com"}
    receiver.behaviour = always(500, b"x" * 2000)
    failed = await send_test_record(webhook_client, guard, receiver.url, {}, DeliveryOptions())
    assert failed.http_status == 500 and failed.error and len(failed.error) <= 200
    assert len(failed.response_excerpt) == 500


async def test_webhook_test_send_refuses_unsafe_targets_without_sending(
    webhook_client: httpx.AsyncClient,
) -> None:
    strict = TargetGuard(allow_private=False)
    with pytest.raises(UnsafeTarget, match="private address"):
        await send_test_record(webhook_client, strict, "http://10.0.0.1/", {}, DeliveryOptions())


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(value: str | None, seconds: float | None):
    now = 1445412470.0  # 07:27:50 GMT on that date
    assert parse_retry_after(value, now=now) == seconds
