"""Send-rate control: a sliding-window limiter that follows a live rate, and a rate meter."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Each window is stretched by this fraction so that arrival jitter between sender and receiver
# cannot squeeze rate + 1 requests into one second as the receiver measures it.
MARGIN = 0.04
# Early sends allowed against the smooth schedule, to make up for sleep overshoot at high rates.
_CATCH_UP = 0.01
_MAX_SLEEP = 0.2  # re-read the rate at least this often while waiting
_LOG_SIZE = 10_000
_MIN_SLOWED_RATE = 1.0


def window_shape(limit: float, margin: float = MARGIN) -> tuple[int, float]:
    """(n, seconds): at most n sends in any window of that length keeps under `limit` per second."""
    if limit >= 1:
        return math.floor(limit), 1.0 + margin
    return 1, (1.0 / limit) * (1.0 + margin)


class RateLimiter:
    """Never more than rate() acquisitions in any one-second window; rate() is read on every try.

    Two rules hold together: a sliding log (the n-th most recent send is at least a window
    ago) gives the hard bound in every window, and a smooth schedule (sends window/n apart)
    spreads the sends out instead of bursting n at the start of each window. rate() <= 0 means
    unlimited. `throttle` pauses all sending and then halves the rate for a while (Retry-After).
    """

    def __init__(
        self,
        rate: Callable[[], float],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        margin: float = MARGIN,
    ) -> None:
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._log: deque[float] = deque(maxlen=_LOG_SIZE)
        self._next_at = -math.inf
        self._paused_until = -math.inf
        self._cap = 0.0
        self._cap_until = -math.inf
        self._lock = asyncio.Lock()

    def limit(self) -> float:
        """The rate in force right now (the live rate, lowered while throttled); 0 = unlimited."""
        return self._limit(self._clock())

    async def acquire(self) -> None:
        """Wait until one more send keeps every one-second window within the rate, then take it."""
        now = self._clock()
        if not self._lock.locked() and self._wait(now) <= 0:
            self._take(now)
            return
        async with self._lock:
            while True:
                now = self._clock()
                wait = self._wait(now)
                if wait <= 0:
                    self._take(now)
                    return
                await self._sleep(min(wait, _MAX_SLEEP))

    def throttle(self, wait: float, observed_rate: float) -> None:
        """Pause all sends for `wait` seconds, then send at half the rate for a while."""
        now = self._clock()
        is_new = now >= self._paused_until
        self._paused_until = max(self._paused_until, now + max(0.0, wait))
        if is_new:
            current = self._limit(now) or observed_rate
            self._cap = max(current / 2, min(current, _MIN_SLOWED_RATE)) or _MIN_SLOWED_RATE
        self._cap_until = self._paused_until + max(10.0, 3 * wait)

    def _limit(self, now: float) -> float:
        base = max(0.0, float(self._rate()))
        if now >= self._cap_until:
            return base
        return base if 0 < base <= self._cap else self._cap

    def _wait(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        limit = self._limit(now)
        if limit <= 0:
            return 0.0
        n, window = window_shape(limit, self._margin)
        wait = self._next_at - now
        if len(self._log) >= n:
            wait = max(wait, self._log[-n] + window - now)
        return wait

    def _take(self, now: float) -> None:
        self._log.append(now)
        limit = self._limit(now)
        if limit <= 0:
            self._next_at = now
            return
        n, window = window_shape(limit, self._margin)
        gap = window / n
        self._next_at = max(self._next_at, now - min(_CATCH_UP, gap)) + gap
        horizon = now - max(window, 1.0 + self._margin)
        while self._log and self._log[0] <= horizon:
            self._log.popleft()


class RateMeter:
    """Counts events and reports their rate per second over the last few seconds."""

    def __init__(self, span: float = 3.0, clock: Clock = time.monotonic) -> None:
        self._span = span
        self._clock = clock
        self._times: deque[float] = deque()
        self._started = clock()

    def mark(self) -> None:
        """Count one event now."""
        now = self._clock()
        self._times.append(now)
        self._forget_before(now - self._span)

    def rate(self) -> float:
        """Events per second over the last `span` seconds (or since start, if shorter)."""
        now = self._clock()
        self._forget_before(now - self._span)
        elapsed = min(self._span, max(now - self._started, 1.0))
        return len(self._times) / elapsed

    def _forget_before(self, horizon: float) -> None:
        while self._times and self._times[0] <= horizon:
            self._times.popleft()
