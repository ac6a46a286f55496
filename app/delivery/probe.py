"""The webhook test send behind `POST /api/webhook/test`: one sample record, one attempt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from app.delivery.attempt import clip, encode_body, post_once
from app.delivery.engine import DeliveryOptions
from app.delivery.guard import TargetGuard
from app.delivery.signing import Signer

TEST_JOB_ID = "webhook-test"
_EXCERPT_CHARS = 500


@dataclass(frozen=True)
class TestResult:
    """The receiver's answer to a test send, or the error that came instead of one."""

    __test__ = False  # not a pytest test class, despite the name

    http_status: int | None
    elapsed_ms: int
    response_excerpt: str
    error: str | None  # None for a 2xx answer

    @property
    def is_success(self) -> bool:
        """True when the receiver answered 2xx."""
        return self.error is None


async def send_test_record(
    client: httpx.AsyncClient,
    guard: TargetGuard,
    url: str,
    record: dict[str, Any],
    options: DeliveryOptions,
) -> TestResult:
    """Send one sample record the way a job would; raises UnsafeTarget for a refused URL."""
    await guard.resolve(url)
    key = f"{TEST_JOB_ID}-{uuid.uuid4().hex[:12]}:1"
    body = encode_body(record)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-CSV-Merger-Job": TEST_JOB_ID,
    }
    if options.signing_secret:
        headers.update(Signer(options.signing_secret).headers(key, body))
    attempt = await post_once(client, url, body, headers, options.timeout)
    return TestResult(
        http_status=attempt.status,
        elapsed_ms=round(attempt.elapsed * 1000),
        response_excerpt=clip(attempt.excerpt, _EXCERPT_CHARS),
        error=attempt.error,
    )
