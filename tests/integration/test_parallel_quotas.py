"""Session limits hold when one session sends many requests at once (real server, threads)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from tests.support.forms import multipart
from tests.support.processes import start_server

pytestmark = pytest.mark.slow


def in_parallel(
    count: int, call: Callable[[httpx.Client], httpx.Response], cookies: httpx.Cookies, base: str
) -> list[httpx.Response]:
    """`count` requests of one session, released together."""
    barrier = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as http:
            barrier.wait()
            return call(http)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def upload(http: httpx.Client, content: bytes) -> httpx.Response:
    body, content_type = multipart([("people.csv", content)])
    return http.post("/api/upload", content=body, headers={"Content-Type": content_type})


def people(size: int) -> bytes:
    row = b"Ada,Lovelace,ada@example.com\n"
    return b"First Name,Last Name,Email\n" + row * (size // len(row))


def test_parallel_uploads_never_exceed_the_file_and_storage_limits(
    migrated: Settings, tmp_path: Path
) -> None:
    server, base = start_server(
        migrated,
        tmp_path,
        with_worker=False,
        MAX_FILES_PER_SESSION=10,
        MAX_STORAGE_PER_SESSION_MB=2,
    )
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            assert upload(http, people(100)).status_code == 200
            cookies = http.cookies
            answers = in_parallel(14, lambda h: upload(h, people(100)), cookies, base)
            statuses = Counter(a.status_code for a in answers)
            assert statuses == {200: 9, 429: 5}, statuses
        with httpx.Client(base_url=base, timeout=60) as fresh:
            assert upload(fresh, people(100)).status_code == 200
            answers = in_parallel(6, lambda h: upload(h, people(900_000)), fresh.cookies, base)
            accepted = [a for a in answers if a.status_code == 200]
            assert all(a.status_code in (200, 429) for a in answers)
            stored = sum(a.json()["files"][0]["size"] for a in accepted)
            assert stored + len(people(100)) <= 2 * 1024 * 1024
            assert len(accepted) == 2
    finally:
        server.stop()


def test_parallel_job_starts_never_exceed_the_concurrent_job_limit(
    migrated: Settings, tmp_path: Path
) -> None:
    server, base = start_server(
        migrated, tmp_path, with_worker=False, MAX_CONCURRENT_JOBS_PER_SESSION=3
    )
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            uploaded = upload(http, people(100)).json()

            def start(h: httpx.Client) -> httpx.Response:
                payload = {"upload_id": uploaded["upload_id"], "table_type": "people"}
                return h.post("/api/process", json=payload)

            answers = in_parallel(8, start, http.cookies, base)
            statuses = Counter(a.status_code for a in answers)
            assert statuses == {202: 3, 429: 5}, statuses
            assert len(http.get("/api/jobs").json()["jobs"]) == 3
    finally:
        server.stop()
