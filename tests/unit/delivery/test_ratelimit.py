"""The limiter keeps every one-second window within the live rate, on a virtual clock."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from app.delivery.ratelimit import MARGIN, RateLimiter, RateMeter, window_shape


class VirtualTime:
    """A clock that only moves when the limiter sleeps, oversleeping by a given jitter."""

    def __init__(self, jitter: list[float] | None = None) -> None:
        self.now = 1000.0
        self._jitter = jitter or [0.0]
        self._sleeps = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self._jitter[self._sleeps % len(self._jitter)]
        self._sleeps += 1


def max_in_window(times: list[float], window: float = 1.0) -> int:
    return max(sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times))


async def take(limiter: RateLimiter, time: VirtualTime, count: int) -> list[float]:
    times = []
    for _ in range(count):
        await limiter.acquire()
        times.append(time.now)
    return times


@settings(max_examples=60, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=300),
    jitter=st.lists(st.floats(min_value=0, max_value=0.004), min_size=1, max_size=5),
)
async def test_no_window_exceeds_the_rate_and_the_mean_keeps_up(
    rate: int, jitter: list[float]
) -> None:
    time = VirtualTime(jitter)
    limiter = RateLimiter(lambda: rate, clock=time.clock, sleep=time.sleep)
    times = await take(limiter, time, 3 * rate + 1)
    assert max_in_window(times) <= rate
    mean = (len(times) - 1) / (times[-1] - times[0])
    assert mean >= rate * 0.95 / (1 + MARGIN) - 1 / (times[-1] - times[0])


async def test_sends_are_spread_not_burst_at_the_start_of_each_window() -> None:
    time = VirtualTime()
    limiter = RateLimiter(lambda: 10, clock=time.clock, sleep=time.sleep)
    times = await take(limiter, time, 11)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.09


async def test_a_lower_rate_takes_effect_at_once() -> None:
    time = VirtualTime()
    rate = [30.0]
    limiter = RateLimiter(lambda: rate[0], clock=time.clock, sleep=time.sleep)
    before = await take(limiter, time, 45)
    rate[0] = 1
    changed_at = time.now
    after = await take(limiter, time, 5)
    assert max_in_window(before) <= 30
    assert after[0] - before[-1] >= 1.0  # the 1/s window counts the send just before the change
    assert max_in_window([t for t in before + after if t >= changed_at - 1]) <= 30
    assert max_in_window(after) <= 1


async def test_zero_means_unlimited() -> None:
    time = VirtualTime()
    limiter = RateLimiter(lambda: 0, clock=time.clock, sleep=time.sleep)
    times = await take(limiter, time, 1000)
    assert times[-1] == times[0]


async def test_throttle_pauses_then_halves_the_rate() -> None:
    time = VirtualTime()
    limiter = RateLimiter(lambda: 20, clock=time.clock, sleep=time.sleep)
    await take(limiter, time, 5)
    paused_at = time.now
    limiter.throttle(2.0, observed_rate=20)
    times = await take(limiter, time, 21)
    assert times[0] >= paused_at + 2.0
    assert limiter.limit() == 10
    assert max_in_window(times) <= 10


async def test_throttle_at_unlimited_caps_at_half_the_observed_rate() -> None:
    time = VirtualTime()
    limiter = RateLimiter(lambda: 0, clock=time.clock, sleep=time.sleep)
    limiter.throttle(1.0, observed_rate=400)
    assert limiter.limit() == 200
    time.now += 60
    assert limiter.limit() == 0


def test_window_shape_keeps_fractional_rates_under_the_limit() -> None:
    assert window_shape(10) == (10, 1 + MARGIN)
    assert window_shape(2.5) == (2, 1 + MARGIN)
    count, seconds = window_shape(0.5)
    assert count == 1 and math.isclose(seconds, 2 * (1 + MARGIN))


def test_meter_reports_events_per_second_over_its_span() -> None:
    time = VirtualTime()
    meter = RateMeter(span=2.0, clock=time.clock)
    for _ in range(40):
        time.now += 0.05
        meter.mark()
    assert math.isclose(meter.rate(), 20)
    time.now += 5
    assert meter.rate() == 0
