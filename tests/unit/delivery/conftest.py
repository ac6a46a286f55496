"""Fixtures for the delivery tests: a real local receiver and a guarded client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app.delivery import DeliveryOptions, RecordOutcome, TargetGuard, build_client
from tests.support.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver.start() as started:
        yield started


@pytest.fixture
def guard() -> TargetGuard:
    # The receiver listens on 127.0.0.1, so private targets must be allowed to reach it.
    return TargetGuard(allow_private=True)


@pytest.fixture
async def webhook_client(guard: TargetGuard) -> AsyncIterator[httpx.AsyncClient]:
    webhook_client = build_client(guard, timeout=5)
    yield webhook_client
    await webhook_client.aclose()


@pytest.fixture
def fast_options() -> DeliveryOptions:
    return DeliveryOptions(timeout=5, retry_backoff=(0.2, 0.4, 0.6), batch_interval=0.1)


class Outcomes:
    """Collects the batches the engine reports, as the job layer would persist them."""

    def __init__(self) -> None:
        self.batches: list[list[RecordOutcome]] = []

    async def __call__(self, batch: list[RecordOutcome]) -> None:
        self.batches.append(list(batch))

    @property
    def all(self) -> list[RecordOutcome]:
        return [outcome for batch in self.batches for outcome in batch]

    def by_row(self) -> dict[int, RecordOutcome]:
        return {outcome.row: outcome for outcome in self.all}


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()
