"""Delivery engine: POST every record at least once, at the live rate, with bounded retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from app.delivery.attempt import Attempt, encode_body, post_once
from app.delivery.outcomes import OutcomeBatcher, OutcomeSink, OutcomeStatus, RecordOutcome
from app.delivery.ratelimit import RateLimiter, RateMeter
from app.delivery.records import Records, aiter_records
from app.delivery.signing import Signer

log = logging.getLogger(__name__)

StopReason = Literal["cancelled", "gone", "endpoint keeps failing"]

GONE_ERROR = "endpoint gone (HTTP 410): delivery stopped"
_MAX_THROTTLES = 10  # Retry-After waits that do not use up an attempt, per record
_CANCEL_POLL = 0.1


@dataclass(frozen=True)
class DeliveryOptions:
    """Delivery settings; services build this from Settings."""

    timeout: float = 30.0
    retry_backoff: tuple[float, ...] = (1.0, 3.0, 9.0)
    concurrency: int = 16
    max_consecutive_failures: int = 25  # 0 = never give up on the endpoint
    retry_after_cap: float = 60.0
    signing_secret: str | None = None
    max_in_flight: int = 512  # records started but not ended, including those waiting to retry
    batch_size: int = 200
    batch_interval: float = 0.5


@dataclass
class DeliveryResult:
    """Counts for one run; `stopped_reason` is None when every record was tried to the end."""

    sent: int = 0  # HTTP requests made, retries included
    delivered: int = 0
    failed: int = 0
    stopped_reason: StopReason | None = None


@dataclass
class _Progress:
    row: int
    key: str
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    last_attempt_at: datetime | None = None

    def note(self, attempt: Attempt, is_counted: bool) -> None:
        self.attempts += is_counted
        self.last_status = attempt.status
        self.last_error = attempt.error
        self.last_attempt_at = datetime.now(UTC)

    def outcome(self, status: OutcomeStatus, error: str | None = None) -> RecordOutcome:
        return RecordOutcome(
            row=self.row,
            idempotency_key=self.key,
            status=status,
            attempts=self.attempts,
            last_status=self.last_status,
            last_error=error or self.last_error,
            last_attempt_at=self.last_attempt_at or datetime.now(UTC),
        )


class DeliveryEngine:
    """Delivers one job's records to its webhook over the shared client; one run at a time."""

    def __init__(self, client: httpx.AsyncClient, options: DeliveryOptions) -> None:
        self._client = client
        self._options = options
        self._signer = Signer(options.signing_secret) if options.signing_secret else None
        self._meter = RateMeter()

    def measured_rate(self) -> float:
        """Requests per second over the last few seconds, for the status endpoint."""
        return self._meter.rate()

    async def run(
        self,
        *,
        job_id: str,
        url: str,
        records: Records,
        rate: Callable[[], float],
        on_outcomes: OutcomeSink,
        is_cancelled: Callable[[], bool],
    ) -> DeliveryResult:
        """Deliver (row, record) pairs, streamed; outcomes go to on_outcomes in batches.

        On "cancelled" and "endpoint keeps failing", records without an outcome stay pending
        for a later run; on "gone" every record without one is reported failed.
        """
        job = _Run(self, job_id, url, RateLimiter(rate), on_outcomes)
        return await job.execute(aiter_records(records), is_cancelled)

    def headers(self, job_id: str, key: str, body: bytes) -> dict[str, str]:
        """Headers for one attempt: content type, idempotency, job, and signature if configured."""
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "X-CSV-Merger-Job": job_id,
        }
        if self._signer is not None:
            headers.update(self._signer.headers(key, body))
        return headers


class _Run:
    """The state of one engine run: admitted tasks, the stop decision and the counters."""

    def __init__(
        self,
        engine: DeliveryEngine,
        job_id: str,
        url: str,
        limiter: RateLimiter,
        sink: OutcomeSink,
    ) -> None:
        self._engine = engine
        self._options = engine._options
        self._job_id = job_id
        self._url = url
        self._limiter = limiter
        self._room = asyncio.Event()
        self._batcher = OutcomeBatcher(
            sink,
            size=self._options.batch_size,
            interval=self._options.batch_interval,
            on_flushed=self._room.set,
        )
        self._slots = asyncio.Semaphore(self._options.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._active: dict[int, _Progress] = {}
        self._held: tuple[int, dict[str, Any]] | None = None
        self._is_stopping = False
        self._consecutive_failures = 0
        self.result = DeliveryResult()

    async def execute(
        self, records: AsyncIterator[tuple[int, dict[str, Any]]], is_cancelled: Callable[[], bool]
    ) -> DeliveryResult:
        """Admit and deliver every record unless stopped; always flush the outcomes."""
        flusher = asyncio.create_task(self._batcher.run())
        watcher = asyncio.create_task(self._watch(is_cancelled, flusher))
        try:
            await self._admit_all(records)
            while self._tasks:
                await asyncio.wait(set(self._tasks))
            if self.result.stopped_reason == "gone":
                await self._fail_rest(records)
        finally:
            watcher.cancel()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(watcher, *self._tasks, return_exceptions=True)
            await self._batcher.close(flusher)
        return self.result

    async def _watch(self, is_cancelled: Callable[[], bool], flusher: asyncio.Task[None]) -> None:
        while not self._is_stopping:
            if is_cancelled():
                self._stop("cancelled")
            elif flusher.done():
                self._stop(None)  # the sink failed; close() re-raises its error
            await asyncio.sleep(_CANCEL_POLL)

    def _stop(self, reason: StopReason | None) -> None:
        if self._is_stopping:
            return
        self._is_stopping = True
        self.result.stopped_reason = reason
        self._room.set()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()

    async def _admit_all(self, records: AsyncIterator[tuple[int, dict[str, Any]]]) -> None:
        async for row, record in records:
            while not self._is_stopping and (
                len(self._tasks) >= self._options.max_in_flight or self._batcher.is_backlogged
            ):
                self._room.clear()
                await self._room.wait()
            if self._is_stopping:
                self._held = (row, record)
                return
            # Registered before the task runs, so a task cancelled before its first step is
            # still known (and reported when the endpoint is gone).
            progress = self._active[row] = _Progress(row, f"{self._job_id}:{row}")
            task = asyncio.create_task(self._deliver(progress, record))
            self._tasks.add(task)
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._room.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery task crashed", exc_info=task.exception())

    async def _deliver(self, progress: _Progress, record: dict[str, Any]) -> None:
        outcome = await self._attempt_until_done(progress, encode_body(record))
        self._active.pop(progress.row, None)
        self._finish(outcome)

    async def _attempt_until_done(self, progress: _Progress, body: bytes) -> RecordOutcome:
        backoff = self._options.retry_backoff
        throttles = 0
        while True:
            attempt = await self._send(progress.key, body)
            wait = attempt.retry_after
            is_throttled = wait is not None and throttles < _MAX_THROTTLES
            progress.note(attempt, is_counted=not is_throttled)
            if attempt.is_success:
                return progress.outcome("delivered")
            if attempt.status == 410:
                self._stop("gone")
                return progress.outcome("failed", GONE_ERROR)
            if is_throttled and wait is not None:
                throttles += 1
                wait = min(wait, self._options.retry_after_cap)
                self._limiter.throttle(wait, self._engine.measured_rate())
                await asyncio.sleep(wait)
            elif progress.attempts > len(backoff):
                return progress.outcome("failed")
            else:
                await asyncio.sleep(backoff[progress.attempts - 1])

    async def _send(self, key: str, body: bytes) -> Attempt:
        # The slot is held only for the request itself: backoff waits happen outside it.
        async with self._slots:
            await self._limiter.acquire()
            self.result.sent += 1
            self._engine._meter.mark()
            headers = self._engine.headers(self._job_id, key, body)
            return await post_once(
                self._engine._client, self._url, body, headers, self._options.timeout
            )

    def _finish(self, outcome: RecordOutcome) -> None:
        self._batcher.add(outcome)
        if outcome.status == "delivered":
            self.result.delivered += 1
            self._consecutive_failures = 0
            return
        self.result.failed += 1
        self._consecutive_failures += 1
        limit = self._options.max_consecutive_failures
        if limit and self._consecutive_failures >= limit:
            self._stop("endpoint keeps failing")

    async def _fail_rest(self, records: AsyncIterator[tuple[int, dict[str, Any]]]) -> None:
        for progress in self._active.values():
            self._finish(progress.outcome("failed", GONE_ERROR))
        self._active.clear()
        if self._held is not None:
            self._finish(
                _Progress(self._held[0], f"{self._job_id}:{self._held[0]}").outcome(
                    "failed", GONE_ERROR
                )
            )
        async for row, _record in records:
            if self._batcher.is_backlogged:
                await self._batcher.flush()
            self._finish(_Progress(row, f"{self._job_id}:{row}").outcome("failed", GONE_ERROR))
