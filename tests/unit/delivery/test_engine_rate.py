"""Acceptance 1: the send rate, measured at a real receiver, follows the live rate limit."""

from __future__ import annotations

import asyncio
import time

import httpx

from app.delivery import DeliveryEngine, DeliveryOptions
from tests.support.receiver import Receiver
from tests.unit.delivery.conftest import Outcomes


def max_in_window(times: list[float], window: float = 1.0) -> int:
    return max(sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times))


def lead(row: int) -> dict[str, str]:
    return {"email": f"lead{row}@example.com", "company_name": "Acme"}


async def test_sixty_records_at_ten_per_second_keep_every_window_and_the_mean(
    webhook_client: httpx.AsyncClient, receiver: Receiver, outcomes: Outcomes
) -> None:
    engine = DeliveryEngine(webhook_client, DeliveryOptions(timeout=5))
    result = await engine.run(
        job_id="rate10",
        url=receiver.url,
        records=((row, lead(row)) for row in range(1, 61)),
        rate=lambda: 10,
        on_outcomes=outcomes,
        is_cancelled=lambda: False,
    )
    times = [request.at for request in receiver.requests]
    assert result.delivered == 60 and len(times) == 60
    assert max_in_window(times) <= 10
    mean = (len(times) - 1) / (times[-1] - times[0])
    assert abs(mean - 10) <= 0.5, mean
    assert engine.measured_rate() > 5


async def test_a_rate_change_takes_effect_within_a_second(
    webhook_client: httpx.AsyncClient, receiver: Receiver, outcomes: Outcomes
) -> None:
    rate = [10.0]
    changes: dict[float, float] = {}
    is_done = [False]

    async def steer() -> None:
        await asyncio.sleep(2)
        rate[0], changes[30] = 30, time.monotonic()
        await asyncio.sleep(2.5)
        rate[0], changes[1] = 1, time.monotonic()
        await asyncio.sleep(3.5)
        is_done[0] = True

    engine = DeliveryEngine(webhook_client, DeliveryOptions(timeout=5))
    steering = asyncio.create_task(steer())
    result = await engine.run(
        job_id="steer",
        url=receiver.url,
        records=((row, lead(row)) for row in range(1, 1000)),
        rate=lambda: rate[0],
        on_outcomes=outcomes,
        is_cancelled=lambda: is_done[0],
    )
    await steering
    times = [request.at for request in receiver.requests]
    assert result.stopped_reason == "cancelled"
    assert max_in_window([t for t in times if t < changes[30]]) <= 10
    fast = [t for t in times if changes[30] + 1 <= t < changes[30] + 2]
    assert 25 <= len(fast) <= 30
    assert max_in_window([t for t in times if t < changes[1]]) <= 30
    slow = [t for t in times if t >= changes[1] + 1]
    assert 1 <= len(slow) <= 3
    assert max_in_window(slow) <= 1
