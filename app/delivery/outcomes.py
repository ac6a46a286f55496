"""Delivery outcomes and the batcher that hands them to the caller for persistence."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

OutcomeStatus = Literal["delivered", "failed"]


@dataclass
class RecordOutcome:
    """How one record's delivery ended in this run."""

    row: int
    idempotency_key: str
    status: OutcomeStatus
    attempts: int
    last_status: int | None
    last_error: str | None  # at most 200 characters
    last_attempt_at: datetime


OutcomeSink = Callable[[list[RecordOutcome]], Awaitable[None]]


class OutcomeBatcher:
    """Collects outcomes and passes them to the sink in batches, by size or every `interval`."""

    def __init__(
        self,
        sink: OutcomeSink,
        *,
        size: int,
        interval: float,
        on_flushed: Callable[[], None] = lambda: None,
    ) -> None:
        self._sink = sink
        self._size = size
        self._interval = interval
        self._on_flushed = on_flushed
        self._buffer: list[RecordOutcome] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._is_closing = False

    @property
    def is_backlogged(self) -> bool:
        """True when the sink lags far enough behind that new work should wait."""
        return len(self._buffer) >= 10 * self._size

    def add(self, outcome: RecordOutcome) -> None:
        """Queue one outcome (never blocks, so it is safe from tasks that may be cancelled)."""
        self._buffer.append(outcome)
        if len(self._buffer) >= self._size:
            self._wake.set()

    async def run(self) -> None:
        """Flush every `interval` seconds, or sooner when a batch is full, until closed."""
        while not self._is_closing:
            try:
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        """Hand every queued outcome to the sink, in batches of at most `size`."""
        async with self._lock:
            while self._buffer:
                batch, self._buffer = self._buffer[: self._size], self._buffer[self._size :]
                await self._sink(batch)
            self._on_flushed()

    async def close(self, runner: asyncio.Task[None]) -> None:
        """Stop the runner without interrupting a sink call, then flush what is left."""
        self._is_closing = True
        self._wake.set()
        await runner  # re-raises the sink's error, if it failed
        await self.flush()
