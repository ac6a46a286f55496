"""The jobs API through the real app, a real SAQ worker and real Redis and SQLite."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from typing import Any

import pytest

from app.config import Settings
from tests.support.forms import multipart
from tests.support.receiver import Receiver, slow

PEOPLE_A = (
    "First Name,Last Name,Email,Company,Website\n"
    "Ada,Lovelace,ada@analytical.io,Analytical Engines,https://www.analytical.io/\n"
    "Alan,Turing,alan@bletchley.org,Bletchley Park,bletchley.org\n"
    "Grace,Hopper,grace@navy.mil,US Navy,navy.mil\n"
)
PEOPLE_B = (
    "full_name;email address;Organization;LinkedIn\n"
    "ada lovelace;ADA@analytical.io;Analytical Engines Inc;linkedin.com/in/ada-lovelace\n"
    "Katherine Johnson;katherine@nasa.gov;NASA;https://www.linkedin.com/in/kjohnson/\n"
)


async def upload(client: Any, *files: tuple[str, bytes], **fields: str) -> Any:
    body, content_type = multipart(files, fields)
    return await client.post("/api/upload", data=body, headers={"Content-Type": content_type})


async def wait_for(
    client: Any, job_id: str, statuses: tuple[str, ...], within: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = await (await client.get(f"/api/jobs/{job_id}/status")).get_json()
        if body["status"] in statuses:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"job stayed {body.get('status')}: {body}")


async def start(client: Any, upload_id: str, **extra: Any) -> str:
    response = await client.post(
        "/api/process", json={"upload_id": upload_id, "table_type": "people", **extra}
    )
    assert response.status_code == 202, await response.get_json()
    body = await response.get_json()
    assert body["status"] == "success" and body["estimated_duration"] >= 1
    return str(body["job_id"])


async def test_upload_answers_records_columns_and_scored_mapping(client) -> None:
    response = await upload(client, ("a.csv", PEOPLE_A.encode()), ("b.csv", PEOPLE_B.encode()))
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "success" and body["table_type"] == "people"
    first, second = body["files"]
    assert (first["filename"], first["records"], first["size"]) == ("a.csv", 3, len(PEOPLE_A))
    assert first["columns"] == ["First Name", "Last Name", "Email", "Company", "Website"]
    assert first["mapping"]["First Name"] == {"field": "First Name", "score": 100}
    assert first["mapping"]["Email"]["field"] == "Email"
    assert second["delimiter"] == ";" and second["records"] == 2
    assert second["mapping"]["email address"]["field"] == "Email"


async def test_upload_keeps_only_the_base_name(client, resources) -> None:
    response = await upload(client, ("../../etc/passwd.csv", PEOPLE_A.encode()))
    body = await response.get_json()
    assert body["files"][0]["filename"] == "passwd.csv"
    stored = list(resources.paths.sessions.rglob("*"))
    assert all("passwd" not in path.name for path in stored)


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"   \n\n", 400, "empty_file"),
        (b"PK\x03\x04" + b"\x00" * 100, 415, "not_csv"),
        (b"%PDF-1.7\n%\xe2\xe3", 415, "not_csv"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, 415, "not_csv"),
        (b"a,b\n\x00\x01\x02\x03", 415, "not_csv"),
    ],
)
async def test_upload_refuses_what_is_not_a_csv(
    client, resources, content: bytes, status: int, code: str
) -> None:
    response = await upload(client, ("leads.csv", content))
    assert response.status_code == status
    assert (await response.get_json())["error"]["code"] == code
    assert not [p for p in resources.paths.sessions.rglob("*") if p.is_file()]


async def test_upload_refuses_other_file_types_by_name(client) -> None:
    response = await upload(client, ("leads.xlsx", b"a,b\n1,2\n"))
    assert response.status_code == 415


async def test_oversize_file_is_refused_with_413_and_nothing_kept(
    app, migrated: Settings, resources
) -> None:
    limit = migrated.max_file_bytes
    row = b"x" * 99 + b"\n"
    body = b"name\n" + row * (limit // len(row) + 10)
    response = await upload(app.test_client(), ("big.csv", body))
    assert response.status_code == 413
    assert (await response.get_json())["error"]["code"] in (
        "file_too_large",
        "request_entity_too_large",
    )
    assert not [p for p in resources.paths.sessions.rglob("*") if p.is_file()]


async def test_file_of_exactly_the_limit_is_accepted(app, migrated: Settings) -> None:
    limit = migrated.max_file_bytes
    header = b"name\n"
    row = b"y" * 99 + b"\n"
    rows = (limit - len(header)) // len(row)
    body = header + row * rows
    body += b"z" * (limit - len(body) - 1) + b"\n"
    assert len(body) == limit
    response = await upload(app.test_client(), ("exact.csv", body))
    assert response.status_code == 200, await response.get_json()


async def test_session_file_quota_answers_429(client, migrated: Settings) -> None:
    files = [(f"f{i}.csv", PEOPLE_A.encode()) for i in range(migrated.MAX_FILES_PER_SESSION)]
    assert (await upload(client, *files)).status_code == 200
    response = await upload(client, ("one-more.csv", PEOPLE_A.encode()))
    assert response.status_code == 429
    assert (await response.get_json())["error"]["code"] == "too_many_files"


async def test_whole_job_flow_to_download_without_webhook(client, worker) -> None:
    uploaded = await (
        await upload(client, ("a.csv", PEOPLE_A.encode()), ("b.csv", PEOPLE_B.encode()))
    ).get_json()
    job_id = await start(client, uploaded["upload_id"])
    status = await wait_for(client, job_id, ("completed", "failed"))
    assert status["status"] == "completed", status
    progress = status["progress"]
    assert progress["input_records"] == 5
    assert progress["total_records"] == 4  # Ada appears in both files
    assert progress["duplicates_removed"] == 1
    assert progress["processed"] == 4 and progress["percentage"] == 100
    assert progress["download_available"] and progress["download_url"].endswith("/download")

    download = await client.get(f"/api/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    disposition = download.headers["Content-Disposition"]
    assert re.search(r'filename="?people_leads_\d{4}-\d\d-\d\d_\d\d-\d\d\.csv', disposition)
    rows = list(csv.DictReader(io.StringIO(await download.get_data(as_text=True))))
    assert len(rows) == 4
    assert {row["Email"] for row in rows} >= {"ada@analytical.io", "katherine@nasa.gov"}

    preview = await (await client.get(f"/api/jobs/{job_id}/preview?limit=2")).get_json()
    assert len(preview["records"]) == 2
    report = await (await client.get(f"/api/jobs/{job_id}/report")).get_json()
    assert report["mapping_version"] >= 1
    assert report["counts"]["input_records"] == 5
    assert [f["filename"] for f in report["files"]] == ["a.csv", "b.csv"]
    jobs = await (await client.get("/api/jobs")).get_json()
    assert [job["job_id"] for job in jobs["jobs"]] == [job_id]
    assert jobs["jobs"][0]["files"] == ["a.csv", "b.csv"]


async def test_every_job_endpoint_is_isolated_per_session(app, client, worker) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    await wait_for(client, job_id, ("completed",))
    stranger = app.test_client()
    for method, path in [
        ("GET", "status"),
        ("POST", "cancel"),
        ("GET", "failed"),
        ("POST", "retry-failed"),
        ("GET", "preview"),
        ("GET", "report"),
        ("GET", "download"),
    ]:
        response = await stranger.open(f"/api/jobs/{job_id}/{path}", method=method)
        assert response.status_code == 404, path
    rate = await stranger.put(f"/api/jobs/{job_id}/rate", json={"rate_limit": 5})
    assert rate.status_code == 404
    steal = await stranger.post(
        "/api/process", json={"upload_id": uploaded["upload_id"], "table_type": "people"}
    )
    assert steal.status_code == 404
    assert (await (await stranger.get("/api/jobs")).get_json())["jobs"] == []


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"table_type": "animals"}, 422),
        ({"webhook_url": "ftp://example.com/hook"}, 422),
        ({"webhook_url": "not a url"}, 422),
        ({"webhook_rate_limit": -1}, 422),
        ({"webhook_rate_limit": "fast"}, 422),
        ({"mapping_overrides": {"nope.csv": {}}}, 422),
        ({"mapping_overrides": {"a.csv": {"Missing Column": "Email"}}}, 422),
    ],
)
async def test_process_validates_its_input(client, payload: dict[str, Any], status: int) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    body = {"upload_id": uploaded["upload_id"], "table_type": "people", **payload}
    response = await client.post("/api/process", json=body)
    assert response.status_code == status, await response.get_json()


async def test_process_refuses_private_webhook_targets_by_default(app, migrated, resources) -> None:
    resources.guard.allow_private = False
    client = app.test_client()
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    response = await client.post(
        "/api/process",
        json={
            "upload_id": uploaded["upload_id"],
            "table_type": "people",
            "webhook_url": "http://169.254.169.254/latest/meta-data",
        },
    )
    assert response.status_code == 422
    assert (await response.get_json())["error"]["code"] == "unsafe_webhook_url"


async def test_concurrent_job_limit_answers_429(client, migrated: Settings) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    for _ in range(migrated.MAX_CONCURRENT_JOBS_PER_SESSION):
        await start(client, uploaded["upload_id"])  # no worker: they stay pending
    response = await client.post(
        "/api/process", json={"upload_id": uploaded["upload_id"], "table_type": "people"}
    )
    assert response.status_code == 429


async def test_cancel_a_pending_job(client) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    response = await client.post(f"/api/jobs/{job_id}/cancel")
    assert response.status_code == 200
    assert (await response.get_json())["status"] == "cancelled"
    again = await client.post(f"/api/jobs/{job_id}/cancel")
    assert again.status_code == 409


async def test_download_is_available_during_delivery(client, worker) -> None:
    with Receiver.start(slow(0.05)) as receiver:
        uploaded = await (
            await upload(client, ("a.csv", PEOPLE_A.encode()), ("b.csv", PEOPLE_B.encode()))
        ).get_json()
        job_id = await start(
            client, uploaded["upload_id"], webhook_url=receiver.url, webhook_rate_limit=1
        )
        status = await wait_for(client, job_id, ("delivering",))
        assert status["progress"]["download_available"]
        download = await client.get(f"/api/jobs/{job_id}/download")
        assert download.status_code == 200
        changed = await client.put(f"/api/jobs/{job_id}/rate", json={"rate_limit": 0})
        assert (await changed.get_json())["previous_rate_limit"] == 1
        done = await wait_for(client, job_id, ("completed",))
        assert done["progress"]["successful_webhooks"] == 4
        keys = {request.key for request in receiver.requests}
        assert keys == {f"{job_id}:{row}" for row in range(1, 5)}


async def test_preview_before_processing_is_a_409(client) -> None:
    uploaded = await (await upload(client, ("a.csv", PEOPLE_A.encode()))).get_json()
    job_id = await start(client, uploaded["upload_id"])
    response = await client.get(f"/api/jobs/{job_id}/preview")
    assert response.status_code == 409
