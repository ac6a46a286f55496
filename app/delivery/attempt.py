"""One webhook POST: body encoding, the bounded attempt, and how its answer is judged."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.delivery.guard import UnsafeTarget

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 200
_EXCERPT_BYTES = 4096
_THROTTLE_STATUSES = (429, 503)


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: an HTTP status, or an error before any answer."""

    status: int | None
    error: str | None  # None on a 2xx answer
    retry_after: float | None  # seconds, for 429/503 answers that carry Retry-After
    excerpt: str
    elapsed: float

    @property
    def is_success(self) -> bool:
        """True for a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


def encode_body(record: dict[str, Any]) -> bytes:
    """The record as compact UTF-8 JSON: the same bytes on every attempt and every resend."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.encode("utf-8")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (delta seconds or HTTP date), or None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def clip(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Text cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def post_once(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - the overall bound, applied with asyncio.timeout below
) -> Attempt:
    """POST body once; `timeout` bounds the whole attempt (connect, write and the entire read)."""
    started = time.monotonic()
    try:
        async with (
            asyncio.timeout(timeout),
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            excerpt = await _read_excerpt(response)
    except TimeoutError:
        return _failed(f"timed out after {timeout:g} s", started)
    except UnsafeTarget as exc:
        return _failed(exc.reason, started)
    except httpx.HTTPError as exc:
        return _failed(f"connection failed: {type(exc).__name__}: {exc}", started)
    except Exception as exc:  # one delivery attempt is a boundary (STYLE §7)
        log.exception("webhook attempt to %s crashed", url)
        return _failed(f"internal error: {type(exc).__name__}", started)
    return _judged(response, excerpt, time.monotonic() - started)


def _failed(error: str, started: float) -> Attempt:
    return Attempt(None, clip(error), None, "", time.monotonic() - started)


def _judged(response: httpx.Response, excerpt: str, elapsed: float) -> Attempt:
    status = response.status_code
    retry_after = None
    if status in _THROTTLE_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    if 200 <= status < 300:
        error = None
    elif 300 <= status < 400:
        location = response.headers.get("location", "")
        error = f"HTTP {status}: redirect to {location} not followed"
    else:
        text = " ".join(excerpt.split())
        error = f"HTTP {status}: {text}" if text else f"HTTP {status}"
    return Attempt(status, None if error is None else clip(error), retry_after, excerpt, elapsed)


async def _read_excerpt(response: httpx.Response) -> str:
    # Only the start of an answer matters; a huge one is cut off (its connection is dropped).
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _EXCERPT_BYTES:
            break
    return b"".join(chunks)[:_EXCERPT_BYTES].decode("utf-8", errors="replace")
