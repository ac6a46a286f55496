"""Sessions, the admin login, caching, host and origin checks, file modes, webhook hosts and a
write-locked database."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.storage.models import SessionRow
from tests.conftest import POSTGRES_URL
from tests.integration.test_jobs_api import PEOPLE_A, upload
from tests.support.forms import multipart
from tests.support.processes import start_server
from tests.support.receiver import Receiver

TOKEN = "correct-horse-battery-staple"
MAPPING_PUT = "/api/config/mappings"


@pytest.fixture
def client_for(app_for: Any) -> Any:
    """Test apps with some settings changed (the shared app_for fixture)."""
    return app_for


async def is_admin(client: Any) -> bool:
    """Whether the client may change the mappings (a harmless backup mark is a change)."""
    response = await client.post("/api/config/backup", json={"comment": "probe"})
    return bool(response.status_code == 200)


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/mappings\n", "/\r\nLocation: x"])
async def test_login_refuses_a_next_with_spaces_or_control_characters(
    client_for, target: str
) -> None:
    client = (await client_for(ADMIN_TOKEN=TOKEN)).test_client()
    assert (await client.get("/admin/login", query_string={"next": target})).status_code == 400
    login = await client.post("/admin/login", form={"token": TOKEN, "next": target})
    assert login.status_code == 400


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/"])
async def test_login_sends_an_off_site_next_home(client_for, target: str) -> None:
    client = (await client_for(ADMIN_TOKEN=TOKEN)).test_client()
    login = await client.post("/admin/login", form={"token": TOKEN, "next": target})
    assert login.status_code == 303 and login.headers["Location"] == "/mappings"


async def test_failed_logins_are_throttled_per_client(client_for) -> None:
    client = (await client_for(ADMIN_TOKEN=TOKEN)).test_client()
    for _ in range(5):
        assert (await client.post("/admin/login", form={"token": "guess"})).status_code == 401
    assert (await client.post("/admin/login", form={"token": TOKEN})).status_code == 429
    assert not await is_admin(client)


async def test_logout_kills_the_login_everywhere_its_cookie_was_copied(client_for) -> None:
    test_app = await client_for(ADMIN_TOKEN=TOKEN)
    client = test_app.test_client()
    assert (await client.post("/admin/login", form={"token": TOKEN})).status_code == 303
    copy = test_app.test_client()
    copy.cookie_jar = client.cookie_jar.__class__()
    for cookie in client.cookie_jar:
        copy.cookie_jar.set_cookie(cookie)
    assert await is_admin(copy)
    assert (await client.post("/admin/logout")).status_code == 303
    assert not await is_admin(copy)


async def test_a_new_login_replaces_the_one_before(client_for) -> None:
    test_app = await client_for(ADMIN_TOKEN=TOKEN)
    client = test_app.test_client()
    await client.post("/admin/login", form={"token": TOKEN})
    first = test_app.test_client()
    for cookie in client.cookie_jar:
        first.cookie_jar.set_cookie(cookie)
    await client.post("/admin/login", form={"token": TOKEN})
    assert await is_admin(client)
    assert not await is_admin(first)


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("http://localhost", 200),
        ("http://localhost:80", 200),
        ("http://localhost:8001", 403),
        ("https://localhost", 403),
        ("http://evil.example", 403),
    ],
)
async def test_the_origin_must_match_scheme_host_and_port(client, origin: str, status: int) -> None:
    response = await client.post(
        "/api/config/mappings/preview",
        json={"table_type": "people", "headers": ["Email"]},
        headers={"Origin": origin},
    )
    assert response.status_code == status


async def test_trusted_hosts_refuse_other_host_names(client_for) -> None:
    client = (await client_for(TRUSTED_HOSTS=["leads.example.com"])).test_client()
    assert (await client.get("/", headers={"Host": "evil.example"})).status_code == 400
    assert (await client.get("/api/jobs", headers={"Host": "evil.example:8000"})).status_code == 400
    assert (await client.get("/", headers={"Host": "leads.example.com"})).status_code == 200
    assert (await client.get("/health", headers={"Host": "10.0.0.7:8000"})).status_code == 200


async def test_answers_with_lead_data_are_not_cached(client, worker) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    response = await client.post(
        "/api/process", json={"upload_id": uploaded["upload_id"], "table_type": "people"}
    )
    job_id = (await response.get_json())["job_id"]
    for _ in range(100):
        status = await (await client.get(f"/api/jobs/{job_id}/status")).get_json()
        if status["status"] == "completed":
            break
        await asyncio.sleep(0.1)
    for path in (
        f"/api/jobs/{job_id}/download",
        f"/api/jobs/{job_id}/report",
        f"/api/jobs/{job_id}/preview",
        f"/api/jobs/{job_id}/status",
        f"/jobs/{job_id}",
        "/api/jobs",
    ):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "no-store", path
    css = await client.get("/static/app.css")
    assert "no-store" not in css.headers.get("Cache-Control", "")


async def test_cookieless_reads_store_no_session(client_for, resources) -> None:
    test_app = await client_for()
    for _ in range(40):
        fresh = test_app.test_client()
        assert (await fresh.get("/api/session")).status_code == 200
        assert (await fresh.get("/")).status_code == 200
    async with resources.db() as db:
        assert await db.scalar(select(func.count()).select_from(SessionRow)) == 0
    assert await resources.redis.keys("session:*") == []
    writer = test_app.test_client()
    assert (await upload(writer, ("a.csv", PEOPLE_A.encode()))).status_code == 200
    assert len(await resources.redis.keys("session:*")) == 1


@pytest.mark.slow
def test_files_under_data_dir_are_the_service_users_only(
    migrated: Settings, tmp_path: Path
) -> None:
    data_dir = tmp_path / "fresh"  # everything in it made by the server itself
    changes: dict[str, Any] = {"DATA_DIR": data_dir}
    if not POSTGRES_URL:
        changes["DATABASE_URL"] = f"sqlite+aiosqlite:///{data_dir / 'csv_merger.db'}"
    server, base = start_server(migrated.model_copy(update=changes), tmp_path, with_worker=False)
    try:
        body, content_type = multipart([("a.csv", PEOPLE_A.encode())])
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.post(
                "/api/upload", content=body, headers={"Content-Type": content_type}
            ).is_success
    finally:
        server.stop()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    created = list(data_dir.rglob("*"))
    assert any(p.name.endswith(".csv") or p.parent.parent.name == "sessions" for p in created)
    for path in created:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


async def test_webhook_allowed_hosts_limit_test_sends_and_jobs(client_for) -> None:
    with Receiver.start() as receiver:
        port = httpx.URL(receiver.url).port
        client = (await client_for(WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"])).test_client()
        elsewhere = f"http://localhost:{port}/hook"
        refused = await client.post(
            "/api/webhook/test", json={"webhook_url": elsewhere, "table_type": "people"}
        )
        assert refused.status_code == 422
        assert "WEBHOOK_ALLOWED_HOSTS" in (await refused.get_json())["error"]["message"]
        sent = await client.post(
            "/api/webhook/test", json={"webhook_url": receiver.url, "table_type": "people"}
        )
        assert sent.status_code == 200, await sent.get_json()
        uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
        job = await client.post(
            "/api/process",
            json={
                "upload_id": uploaded["upload_id"],
                "table_type": "people",
                "webhook_url": elsewhere,
            },
        )
        assert job.status_code == 422


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's write lock")
async def test_a_write_locked_database_answers_503_within_seconds(client, migrated) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    path = migrated.DATABASE_URL.split("///", 1)[1]
    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(60)
        holder.execute("ROLLBACK")
        holder.close()

    thread = threading.Thread(target=hold_the_write_lock)
    thread.start()
    try:
        assert locked.wait(10)
        health = await client.get("/health")
        assert health.status_code == 503
        assert (await health.get_json())["database"] == "locked"
        started = time.monotonic()
        response = await client.post(
            "/api/process", json={"upload_id": uploaded["upload_id"], "table_type": "people"}
        )
        assert response.status_code == 503
        assert time.monotonic() - started < 10
    finally:
        release.set()
        thread.join()
    assert (await client.get("/health")).status_code == 200
