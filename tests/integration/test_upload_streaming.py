"""Uploads through a real server: limits hold while streaming, also without Content-Length."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.jobs.tasks import cleanup, cron_jobs
from tests.support.forms import multipart
from tests.support.processes import start_server

pytestmark = pytest.mark.slow


def chunked(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body httpx sends with Transfer-Encoding: chunked (its length is not known ahead)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def stored_files(settings: Settings) -> list[Path]:
    root = settings.DATA_DIR / "sessions"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_chunked_oversize_upload_is_refused_and_nothing_is_kept(
    migrated: Settings, tmp_path: Path
) -> None:
    server, base = start_server(migrated, tmp_path, with_worker=False, MAX_FILE_SIZE_MB=1)
    try:
        row = b"y" * 99 + b"\n"
        body, content_type = multipart([("big.csv", b"name\n" + row * 12_000)])  # ~1.2 MB
        with httpx.Client(base_url=base, timeout=60) as http:
            response = http.post(
                "/api/upload", content=chunked(body), headers={"Content-Type": content_type}
            )
            assert "content-length" not in {k.lower() for k in response.request.headers}
            assert response.status_code == 413
            assert response.json()["error"]["code"] == "file_too_large"
            assert stored_files(migrated) == []
            small, small_type = multipart([("ok.csv", b"name\n" + row * 100)])
            accepted = http.post(
                "/api/upload", content=chunked(small), headers={"Content-Type": small_type}
            )
            assert accepted.status_code == 200
            assert accepted.json()["files"][0]["records"] == 100
    finally:
        server.stop()


def test_cleanup_is_scheduled_as_a_cron_task(migrated: Settings) -> None:
    migrated.CLEANUP_INTERVAL_MINUTES = 15
    [job] = cron_jobs(migrated)
    assert job.function is cleanup and job.cron == "*/15 * * * *"
