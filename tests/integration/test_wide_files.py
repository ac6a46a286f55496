"""Wide files: refused above MAX_COLUMNS with 422, and header work never stalls the server."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from tests.support.forms import multipart
from tests.support.processes import start_server

COLUMNS = 6000


def wide_csv(columns: int = COLUMNS) -> bytes:
    """About 24 KB: the same short header again and again, then one row."""
    return (",".join(["abc"] * columns) + "\n" + ",".join(["1"] * columns) + "\n").encode()


class HealthProbe:
    """Asks /health every 50 ms in a thread and keeps the slowest answer's time."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.slowest = 0.0
        self.answers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._probe, daemon=True)

    def _probe(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self._stop.wait(0.05):
                started = time.perf_counter()
                assert http.get("/health").status_code == 200
                self.slowest = max(self.slowest, time.perf_counter() - started)
                self.answers += 1

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def upload_wide(base: str, columns: int) -> httpx.Response:
    body, content_type = multipart([("wide.csv", wide_csv(columns))])
    with httpx.Client(base_url=base, timeout=120) as http:
        return http.post("/api/upload", content=body, headers={"Content-Type": content_type})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("columns", "max_columns"),
    [(COLUMNS, 500), (1000, 2000)],
    ids=["refused-by-default", "matched-off-the-event-loop"],
)
def test_health_answers_within_a_second_while_wide_files_are_uploaded(
    migrated: Settings, tmp_path: Path, columns: int, max_columns: int
) -> None:
    env = {} if max_columns == 500 else {"MAX_COLUMNS": max_columns}
    server, base = start_server(migrated, tmp_path, with_worker=False, **env)
    try:
        with HealthProbe(base) as probe, ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: upload_wide(base, columns), range(3)))
        if max_columns < columns:
            for answer in answers:
                assert answer.status_code == 422, answer.text
                assert answer.json()["error"]["code"] == "too_many_columns"
        else:
            for answer in answers:
                assert answer.status_code == 200, answer.text
                assert len(answer.json()["files"][0]["columns"]) == columns
        assert probe.answers > 0
        assert probe.slowest < 1.0, f"/health took {probe.slowest:.2f} s"
    finally:
        server.stop()


async def test_header_lists_longer_than_max_columns_are_refused_with_422(client, migrated) -> None:
    headers = [f"h{i}" for i in range(migrated.MAX_COLUMNS + 1)]
    preview = await client.post(
        "/api/config/mappings/preview", json={"table_type": "people", "headers": headers}
    )
    assert preview.status_code == 422
    assert (await preview.get_json())["error"]["code"] == "too_many_columns"
    remap = await client.post(
        "/uploads/remap",
        form={
            "table_type": "people",
            "upload_id": "x",
            "file": (
                '{"file_id": "f", "filename": "a.csv", "records": 1, "size": 1, '
                f'"columns": {str(headers).replace(chr(39), chr(34))}, "mapping": {{}}}}'
            ),
        },
    )
    assert remap.status_code == 422
