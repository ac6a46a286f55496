"""The running skeleton: health, sessions, the queue and a real worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from app import create_app
from app.config import Settings
from app.jobs.worker import create_worker, run_worker
from app.redis_server import EmbeddedRedis, free_port
from app.resources import open_resources


async def test_health_is_ok_with_database_and_redis(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert await response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_health_names_redis_when_it_is_down_and_recovers(
    migrated: Settings, tmp_path: Path
) -> None:
    own_redis = EmbeddedRedis(tmp_path / "own-redis", port=free_port(), persistent=False).start()
    settings = migrated.model_copy(update={"REDIS_URL": own_redis.url})
    try:
        async with open_resources(settings) as res:
            app = create_app(settings, resources=res)
            async with app.test_app() as test_app:
                client = test_app.test_client()
                assert (await client.get("/health")).status_code == 200
                own_redis.stop()
                down = await client.get("/health")
                assert down.status_code == 503
                assert await down.get_json() == {
                    "status": "error",
                    "database": "ok",
                    "redis": "down",
                }
                api = await client.get("/api/session")
                assert api.status_code == 503
                assert (await api.get_json())["error"]["code"] == "redis_unavailable"
                own_redis.start()
                for _ in range(50):
                    if (await client.get("/health")).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                assert (await client.get("/health")).status_code == 200
    finally:
        own_redis.stop()


async def test_session_cookie_creates_a_ttl_key_in_redis_once_it_stores(client, resources) -> None:
    from tests.integration.test_jobs_api import PEOPLE_A, upload

    assert (await upload(client, ("a.csv", PEOPLE_A.encode()))).status_code == 200
    response = await client.get("/api/session")
    assert response.status_code == 200
    body = await response.get_json()
    assert set(body) == {
        "session_id",
        "created_at",
        "active_jobs",
        "storage_used_mb",
        "storage_limit_mb",
        "expires_at",
    }
    assert body["active_jobs"] == 0 and body["storage_limit_mb"] == 100
    ttl = await resources.redis.ttl(f"session:{body['session_id']}")
    assert 48 * 3600 - 60 < ttl <= 48 * 3600
    again = await (await client.get("/api/session")).get_json()
    assert again["session_id"] == body["session_id"]


async def test_two_clients_get_two_sessions(app) -> None:
    first = await (await app.test_client().get("/api/session")).get_json()
    second = await (await app.test_client().get("/api/session")).get_json()
    assert first["session_id"] != second["session_id"]


async def test_tampered_cookie_gets_a_new_session(app) -> None:
    client = app.test_client()
    original = await (await client.get("/api/session")).get_json()
    client.cookie_jar.clear()
    client.set_cookie("localhost", "csv_merger_session", "forged.value.here")
    fresh = await (await client.get("/api/session")).get_json()
    assert fresh["session_id"] != original["session_id"]


async def test_unknown_api_path_answers_the_json_envelope(client) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    body = await response.get_json()
    assert body["status"] == "error" and body["error"]["code"] == "not_found"


async def test_start_page_renders_with_vendored_htmx(client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    page = HTMLParser(await response.get_data(as_text=True))
    scripts = [node.attributes.get("src", "") for node in page.css("script")]
    assert any("vendor/htmx-2." in src for src in scripts)
    assert all(src.startswith("/static/") for src in scripts)
    assert page.css_first("h1").text() == "Merge lead lists"
    htmx = await client.get(scripts[0])
    assert htmx.status_code == 200


async def test_queue_round_trip_through_a_real_worker(resources) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(create_worker(resources), stop))
    try:
        result = await resources.queue.apply("ping", value="hello", timeout=10)
        assert result["pong"] == "hello"
    finally:
        stop.set()
        await task


async def test_cross_site_post_is_refused_but_a_cookie_jar_client_passes(client) -> None:
    refused = await client.post("/api/session", headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert (await refused.get_json())["error"]["code"] == "cross_site_request"
    foreign = await client.post("/api/session", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    plain = await client.post("/api/session")  # no browser headers: a script with a cookie jar
    assert plain.status_code == 405


async def test_pages_carry_security_headers(client) -> None:
    response = await client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
