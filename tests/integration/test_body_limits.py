"""Request bodies count against a limit while they stream: the server's memory stays flat.

Each body is sent chunked (no Content-Length to refuse up front) through a real server, and
the server process's resident memory is sampled while it is refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from app.config import Settings
from tests.support.forms import multipart
from tests.support.processes import start_server
from tests.support.raw_http import send_chunked

pytestmark = pytest.mark.slow
MIB = 1024 * 1024
BOUNDARY = "----csvmergerlimits"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
MAX_RSS_GROWTH = 64 * MIB


def repeated(total: int, piece: bytes = b"x" * (256 * 1024)) -> Iterator[bytes]:
    """`total` bytes in chunks, generated as they are sent."""
    sent = 0
    while sent < total:
        chunk = piece[: total - sent]
        sent += len(chunk)
        yield chunk


def after_closing_boundary(total: int) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\nname\nAda\r\n--{BOUNDARY}--\r\n"
    ).encode()
    yield from repeated(total)


def inside_part_header(total: int) -> Iterator[bytes]:
    yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="'.encode()
    yield from repeated(total)


class PeakMemory:
    """Samples a process's RSS in a thread; `growth` is the peak over the starting value."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


@pytest.mark.parametrize(
    ("path", "headers", "body"),
    [
        ("/api/upload", MULTIPART, after_closing_boundary(300 * MIB)),
        ("/api/upload", MULTIPART, inside_part_header(150 * MIB)),
        ("/api/upload", MULTIPART, repeated(150 * MIB)),  # a preamble that never ends
        ("/uploads", MULTIPART, after_closing_boundary(300 * MIB)),
        ("/api/process", {"Content-Type": "application/json"}, repeated(60 * MIB)),
        ("/api/webhook/test", {"Content-Type": "application/json"}, repeated(60 * MIB)),
        (
            "/uploads/remap",
            {"Content-Type": "application/x-www-form-urlencoded"},
            repeated(60 * MIB),
        ),
    ],
    ids=[
        "epilogue",
        "part-header",
        "preamble",
        "page-upload-epilogue",
        "json",
        "json-webhook-test",
        "form",
    ],
)
def test_streamed_oversize_bodies_are_refused_while_memory_stays_flat(
    migrated: Settings,
    tmp_path: Path,
    path: str,
    headers: dict[str, str],
    body: Iterator[bytes],
) -> None:
    server, base = start_server(migrated, tmp_path, with_worker=False)
    try:
        warm_body, warm_type = multipart([("warm.csv", b"name\nAda\n")])
        status, _answer = send_chunked(
            base, "/api/upload", {"Content-Type": warm_type}, iter([warm_body])
        )
        assert status == 200
        with PeakMemory(server.pid) as memory:
            status, answer = send_chunked(base, path, headers, body)
        assert status == 413, answer[:500]
        assert memory.growth < MAX_RSS_GROWTH, f"RSS grew by {memory.growth / MIB:.0f} MiB"
    finally:
        server.stop()
