"""Faults survived, with real processes: killed workers, SIGTERM, Redis restarts, busy SQLite,
and several workers sharing one Redis."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.delivery import DeliveryOptions
from app.redis_server import EmbeddedRedis, free_port
from tests.support.forms import multipart
from tests.support.processes import ProductProcess, start_server, start_worker
from tests.support.receiver import Receiver, ok, slow

pytestmark = [pytest.mark.faults, pytest.mark.slow]
RECOVERY_DEADLINE = 120


def people_csv(rows: int, *, offset: int = 0, columns: int = 0) -> bytes:
    """Distinct people (no duplicates), optionally padded with extra columns to grow the file."""
    extra = "".join(f",Note {c}" for c in range(columns))
    lines = ["First Name,Last Name,Email,Company,Website" + extra]
    for i in range(offset, offset + rows):
        pad = "".join(f",note-{i}-{c}-lorem ipsum dolor sit amet" for c in range(columns))
        lines.append(
            f"Person{i},Family{i * 7919 % 100003},p{i}@corp{i % 997}.com,"
            f"Corp {i % 997} Holdings,corp{i % 997}.com{pad}"
        )
    return ("\n".join(lines) + "\n").encode()


class Api:
    """A cookie-jar client of one session against a real server."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)

    def upload(self, *files: tuple[str, bytes]) -> dict[str, Any]:
        body, content_type = multipart(files)
        response = self.http.post(
            "/api/upload", content=body, headers={"Content-Type": content_type}
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def start(self, upload_id: str, **extra: Any) -> str:
        response = self.http.post(
            "/api/process", json={"upload_id": upload_id, "table_type": "people", **extra}
        )
        assert response.status_code == 202, response.text
        return str(response.json()["job_id"])

    def status(self, job_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/jobs/{job_id}/status")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def wait(self, job_id: str, statuses: tuple[str, ...], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                body = self.status(job_id)
            except (AssertionError, httpx.TransportError):
                time.sleep(0.5)
                continue
            if body["status"] in statuses:
                return body
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} stayed {body.get('status')}: {body}")

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def server(migrated: Settings, tmp_path: Path) -> Iterator[tuple[ProductProcess, str]]:
    """The web app alone; workers are started by each test."""
    process, base = start_server(migrated, tmp_path, with_worker=False)
    yield process, base
    process.stop()


def in_flight_bound() -> int:
    options = DeliveryOptions()
    return options.max_in_flight + options.batch_size


def test_worker_killed_while_processing_reruns_within_two_minutes(
    migrated: Settings, server: tuple[ProductProcess, str], tmp_path: Path
) -> None:
    api = Api(server[1])
    uploaded = api.upload(
        *[(f"part{k}.csv", people_csv(40_000, offset=k * 40_000, columns=6)) for k in range(4)]
    )
    first = start_worker(migrated, tmp_path, "worker-1")
    try:
        job_id = api.start(uploaded["upload_id"])
        api.wait(job_id, ("processing",), timeout=60)
        first.kill()
        killed_at = time.monotonic()
        second = start_worker(migrated, tmp_path, "worker-2")
        try:
            done = api.wait(job_id, ("completed", "failed"), timeout=RECOVERY_DEADLINE)
            assert time.monotonic() - killed_at < RECOVERY_DEADLINE
            assert done["status"] == "completed", done
            assert done["progress"]["total_records"] == 160_000
        finally:
            second.stop()
    finally:
        first.kill()
        api.close()


def test_worker_killed_while_delivering_resumes_at_least_once(
    migrated: Settings, server: tuple[ProductProcess, str], tmp_path: Path
) -> None:
    api = Api(server[1])
    with Receiver.start(slow(0.002)) as receiver:
        uploaded = api.upload(("people.csv", people_csv(2000)))
        first = start_worker(migrated, tmp_path, "worker-1")
        try:
            job_id = api.start(
                uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=0
            )
            while receiver.count < 800:
                time.sleep(0.01)
            first.kill()
            second = start_worker(migrated, tmp_path, "worker-2")
            try:
                done = api.wait(job_id, ("completed", "failed"), timeout=RECOVERY_DEADLINE)
            finally:
                second.stop()
        finally:
            first.kill()
        keys = collections.Counter(request.key for request in receiver.requests)
    assert done["status"] == "completed", done
    assert set(keys) == {f"{job_id}:{row}" for row in range(1, 2001)}
    duplicates = sum(count - 1 for count in keys.values())
    assert duplicates <= in_flight_bound()
    assert done["progress"]["successful_webhooks"] == 2000
    assert done["progress"]["failed_webhooks"] == 0
    api.close()


def test_sigterm_checkpoints_and_another_worker_resumes(
    migrated: Settings, server: tuple[ProductProcess, str], tmp_path: Path
) -> None:
    api = Api(server[1])
    with Receiver.start(ok) as receiver:
        uploaded = api.upload(("people.csv", people_csv(300)))
        first = start_worker(migrated, tmp_path, "worker-1")
        job_id = api.start(uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=30)
        while receiver.count < 60:
            time.sleep(0.05)
        stopped_at = time.monotonic()
        assert first.stop(timeout=40) == 0
        assert time.monotonic() - stopped_at < 30
        sent_before = receiver.count
        second = start_worker(migrated, tmp_path, "worker-2")
        try:
            done = api.wait(job_id, ("completed", "failed"), timeout=RECOVERY_DEADLINE)
        finally:
            second.stop()
        keys = collections.Counter(request.key for request in receiver.requests)
    assert done["status"] == "completed", done
    assert 60 <= sent_before < 300
    assert set(keys) == {f"{job_id}:{row}" for row in range(1, 301)}
    assert sum(count - 1 for count in keys.values()) <= in_flight_bound()
    api.close()


def test_redis_restart_mid_job_answers_503_then_completes(
    migrated: Settings, tmp_path: Path
) -> None:
    redis = EmbeddedRedis(tmp_path / "own-redis", port=free_port(), persistent=True).start()
    settings = migrated.model_copy(update={"REDIS_URL": redis.url})
    server, base = start_server(settings, tmp_path)
    api = Api(base)
    try:
        with Receiver.start(ok) as receiver:
            uploaded = api.upload(("people.csv", people_csv(200)))
            job_id = api.start(
                uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=20
            )
            while receiver.count < 40:
                time.sleep(0.05)
            redis.stop()
            outage = api.http.get(f"/api/jobs/{job_id}/status")
            assert outage.status_code == 503
            assert outage.json()["status"] == "error"
            assert api.http.get("/health").status_code == 503
            metrics = api.http.get("/api/metrics")
            assert metrics.status_code == 503
            assert metrics.json()["error"]["code"] == "redis_unavailable"
            time.sleep(2)
            redis.start()
            done = api.wait(job_id, ("completed", "failed"), timeout=RECOVERY_DEADLINE)
            keys = {request.key for request in receiver.requests}
        assert done["status"] == "completed", done
        assert keys == {f"{job_id}:{row}" for row in range(1, 201)}
    finally:
        api.close()
        server.stop()
        redis.stop()


def test_eight_concurrent_jobs_and_polling_never_show_database_locked(
    migrated: Settings, tmp_path: Path
) -> None:
    server, base = start_server(migrated, tmp_path, WEBHOOK_CONCURRENCY=8)
    clients = [Api(base) for _ in range(3)]
    problems: list[str] = []
    stop = threading.Event()
    pollers: list[threading.Thread] = []

    def poll(api: Api, job_ids: list[str]) -> None:
        while not stop.is_set():
            for job_id in job_ids:
                response = api.http.get(f"/api/jobs/{job_id}/status")
                if response.status_code >= 500 or "locked" in response.text:
                    problems.append(f"{response.status_code} {response.text[:200]}")

    try:
        with Receiver.start(ok) as receiver:
            jobs: dict[int, list[str]] = {0: [], 1: [], 2: []}
            for n in range(8):
                api = clients[n % 3]
                uploaded = api.upload((f"p{n}.csv", people_csv(300, offset=n * 1000)))
                jobs[n % 3].append(
                    api.start(uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=0)
                )
            pollers += [threading.Thread(target=poll, args=(clients[i], jobs[i])) for i in range(3)]
            for thread in pollers:
                thread.start()
            for i, job_ids in jobs.items():
                for job_id in job_ids:
                    try:
                        done = clients[i].wait(job_id, ("completed", "failed"), timeout=180)
                    except AssertionError as exc:
                        raise AssertionError(
                            f"{exc}\n--- server ---\n{server.output()[-6000:]}"
                        ) from exc
                    assert done["status"] == "completed", done
            stop.set()
            assert receiver.count >= 8 * 300
        assert not problems, problems[:5]
        assert "database is locked" not in server.output()
    finally:
        stop.set()
        for thread in pollers:
            thread.join()
        for api in clients:
            api.close()
        server.stop()


def test_two_workers_share_one_redis_and_each_job_runs_once(
    migrated: Settings, server: tuple[ProductProcess, str], tmp_path: Path
) -> None:
    api = Api(server[1])
    workers = [start_worker(migrated, tmp_path, f"worker-{n}") for n in (1, 2)]
    try:
        job_ids = []
        for n in range(3):
            uploaded = api.upload((f"p{n}.csv", people_csv(20_000, offset=n * 100_000)))
            job_ids.append(api.start(uploaded["upload_id"]))
        for job_id in job_ids:
            done = api.wait(job_id, ("completed", "failed"), timeout=120)
            assert done["status"] == "completed", done
        logs = "".join(worker.output() for worker in workers)
    finally:
        for worker in workers:
            worker.stop()
        api.close()
    for job_id in job_ids:
        assert logs.count(f"job {job_id} processed") == 1, job_id
