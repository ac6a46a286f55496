"""Background loops that stop for certain.

Cancelling a task is not enough to stop a loop that talks to Redis on Python 3.11: redis-py
wraps each socket write in `asyncio.wait_for`, which swallows a cancel that lands just as the
write completes (fixed in 3.12). The cancelled loop then runs on forever, and whoever awaits it
hangs. So a loop here checks a flag between rounds, and `stop` sets the flag before it cancels;
loops that are only ever cancelled (a WebSocket's, when the page goes) check `was_cancelled`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


def was_cancelled() -> bool:
    """True once the current task was cancelled, even if the CancelledError was swallowed."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class Loop:
    """Runs `round_` every `interval` seconds in a task of its own until stopped."""

    def __init__(self, round_: Callable[[], Awaitable[None]], interval: float) -> None:
        self._round = round_
        self._interval = interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> Loop:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while not self._stopping.is_set() and not was_cancelled():
            await self._round()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stopping.wait()

    async def stop(self) -> None:
        """Stop the loop and wait until it has; an error of its last round is re-raised."""
        self._stopping.set()
        if self._task is None:
            return
        self._task.cancel()
        # asyncio.wait, not `await task`: a cancel of the caller must not be mistaken for the
        # loop's own CancelledError and swallowed here.
        await asyncio.wait({self._task})
        if not self._task.cancelled() and self._task.exception() is not None:
            raise self._task.exception()  # type: ignore[misc]
