"""/api/config: versioned mappings, hot reload across processes, backup/restore, ADMIN_TOKEN."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from app import create_app
from app.config import Settings
from app.resources import Resources, open_resources
from app.services import mappings
from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = json.loads((ROOT / "mappings" / "field_mappings.json").read_text())
TOKEN = ADMIN_TOKEN
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def json_file(data: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename="mine.json", content_type="application/json")


async def current_document(client: Any) -> dict[str, Any]:
    body = await (await client.get("/api/config/mappings")).get_json()
    body.pop("version")
    return body


async def version_count(client: Any) -> int:
    return len((await (await client.get("/api/config/mappings/versions")).get_json())["versions"])


async def add_synonym(client: Any, field: str, synonym: str, **kwargs: Any) -> Any:
    document = await current_document(client)
    document["people_mappings"][field].append(synonym)
    return await client.put("/api/config/mappings", json=document, **kwargs)


async def preview(client: Any, *headers: str, table_type: str = "people") -> dict[str, Any]:
    response = await client.post(
        "/api/config/mappings/preview", json={"table_type": table_type, "headers": list(headers)}
    )
    assert response.status_code == 200
    mapping: dict[str, Any] = (await response.get_json())["mapping"]
    return mapping


async def test_first_read_seeds_version_1_from_the_shipped_file(client) -> None:
    body = await (await client.get("/api/config/mappings")).get_json()
    assert body.pop("version") == 1
    assert body == SHIPPED
    for section in SHIPPED:  # the order of fields matters: the matcher breaks ties by it
        assert list(body[section]) == list(SHIPPED[section])
    versions = (await (await client.get("/api/config/mappings/versions")).get_json())["versions"]
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["is_current"] and versions[0]["author"] == "system"


async def test_a_new_synonym_maps_at_once_without_restart(client) -> None:
    assert (await preview(client, "Courriel Pro"))["Courriel Pro"]["field"] is None
    response = await add_synonym(client, "Email", "courriel pro")
    assert response.status_code == 200
    assert await response.get_json() == {"status": "success", "version": 2}
    assert (await preview(client, "Courriel Pro"))["Courriel Pro"] == {
        "field": "Email",
        "score": 100,
    }
    assert (await (await client.get("/api/config/mappings")).get_json())["version"] == 2


async def test_another_app_on_the_same_database_and_redis_sees_a_change_at_once(
    client, migrated: Settings
) -> None:
    other_settings = migrated.model_copy()
    async with open_resources(other_settings) as other_res:
        other_app = create_app(other_settings, resources=other_res)
        async with other_app.test_app() as test_app:
            other = test_app.test_client()
            assert (await (await other.get("/api/config/mappings")).get_json())["version"] == 1
            assert (await add_synonym(client, "Phone", "portable")).status_code == 200
            seen = await (await other.get("/api/config/mappings")).get_json()
            assert seen["version"] == 2 and "portable" in seen["people_mappings"]["Phone"]
            assert (await preview(other, "Portable"))["Portable"]["field"] == "Phone"
            assert await mappings.current_version(other_res) == 2


# A long-lived process (like a worker): it reads the mappings, waits, and reads them again.
WORKER_SCRIPT = """
import asyncio, json, sys
from app.config import Settings
from app.resources import open_resources
from app.services import mappings

async def main():
    async with open_resources(Settings(_env_file=None)) as res:
        for _ in range(2):
            version, document = await mappings.current(res)
            print(json.dumps([version, document["people_mappings"]["Phone"]]), flush=True)
            await asyncio.to_thread(sys.stdin.readline)

asyncio.run(main())
"""


async def test_a_running_separate_process_sees_the_new_version(client, migrated: Settings) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(migrated.DATA_DIR),
        "DATABASE_URL": migrated.DATABASE_URL,
        "REDIS_URL": migrated.REDIS_URL or "",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER_SCRIPT,
        env=env,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert worker.stdin is not None and worker.stdout is not None
    try:
        first = json.loads(await asyncio.wait_for(worker.stdout.readline(), 60))
        assert first[0] == 1 and "handy" not in first[1]
        assert (await add_synonym(client, "Phone", "handy")).status_code == 200
        worker.stdin.write(b"next\n")
        await worker.stdin.drain()
        second = json.loads(await asyncio.wait_for(worker.stdout.readline(), 30))
        assert second[0] == 2 and "handy" in second[1]
        worker.stdin.write(b"done\n")
        await worker.stdin.drain()
        assert await asyncio.wait_for(worker.wait(), 30) == 0
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()


async def test_versions_list_grows_newest_first_with_one_current(client) -> None:
    await add_synonym(client, "Email", "mel")
    await add_synonym(client, "Email", "posta")
    versions = (await (await client.get("/api/config/mappings/versions")).get_json())["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["is_current"] for v in versions] == [True, False, False]
    assert {"version", "created_at", "comment", "is_current", "is_backup"} <= set(versions[0])
    assert versions[0]["author"].startswith("session:") and len(versions[0]["author"]) == 16
    old = await (await client.get("/api/config/mappings/versions/2")).get_json()
    assert (
        "mel" in old["people_mappings"]["Email"] and "posta" not in old["people_mappings"]["Email"]
    )
    missing = await client.get("/api/config/mappings/versions/99")
    assert missing.status_code == 404
    assert (await missing.get_json())["status"] == "error"


async def test_a_document_read_from_get_can_be_sent_back_with_a_comment(client) -> None:
    body = await (await client.get("/api/config/mappings")).get_json()
    body["comment"] = "no changes, just a checkpoint"
    response = await client.put("/api/config/mappings", json=body)
    assert response.status_code == 200
    versions = (await (await client.get("/api/config/mappings/versions")).get_json())["versions"]
    assert versions[0]["comment"] == "no changes, just a checkpoint"
    assert await current_document(client) == SHIPPED


async def test_sections_a_put_omits_keep_their_current_content(client) -> None:
    people = {"Email": ["email", "mail"], "Phone": ["phone"]}
    response = await client.put("/api/config/mappings", json={"people_mappings": people})
    assert response.status_code == 200
    document = await current_document(client)
    assert document["people_mappings"] == people
    assert document["company_mappings"] == SHIPPED["company_mappings"]
    assert document["data_cleaning_rules"] == SHIPPED["data_cleaning_rules"]


async def test_backup_change_restore_gives_back_the_backed_up_document(client) -> None:
    await add_synonym(client, "Email", "kept")
    backed_up = await current_document(client)
    response = await client.post("/api/config/backup", json={"comment": "before the big edit"})
    assert await response.get_json() == {"status": "success", "version": 2}
    await add_synonym(client, "Email", "regretted")
    assert await version_count(client) == 3
    restored = await client.post("/api/config/restore", json={})
    assert await restored.get_json() == {
        "status": "success",
        "restored_version": 2,
        "new_version": 4,
    }
    assert await current_document(client) == backed_up
    versions = (await (await client.get("/api/config/mappings/versions")).get_json())["versions"]
    by_number = {v["version"]: v for v in versions}
    assert by_number[2]["is_backup"] and by_number[2]["backup_comment"] == "before the big edit"
    assert by_number[4]["restored_from"] == 2 and not by_number[4]["is_backup"]


async def test_restore_of_a_named_version_and_without_any_backup(client) -> None:
    assert (await client.post("/api/config/restore")).status_code == 404
    await add_synonym(client, "Email", "soon gone")
    response = await client.post("/api/config/restore", json={"version": 1})
    assert (await response.get_json())["new_version"] == 3
    assert await current_document(client) == SHIPPED
    assert (await client.post("/api/config/restore", json={"version": 42})).status_code == 404
    assert (await client.post("/api/config/restore", json={"version": "1"})).status_code == 400


def broken(change: str) -> dict[str, Any]:
    document = json.loads(json.dumps(SHIPPED))
    people = document["people_mappings"]
    if change == "unknown key":
        document["colour"] = "blue"
    elif change == "synonyms not a list":
        people["Email"] = "email"
    elif change == "empty synonym":
        people["Email"].append("")
    elif change == "empty field name":
        people[""] = ["x"]
    elif change == "same synonym twice":
        people["Phone"].append("E-Mail Address")
    elif change == "cleaning rule type":
        document["data_cleaning_rules"]["normalize_whitespace"] = "yes"
    return document


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ("unknown key", "colour"),
        ("synonyms not a list", 'people_mappings["Email"]'),
        # appended after the shipped synonyms: its index is their count
        ("empty synonym", f'people_mappings["Email"][{len(SHIPPED["people_mappings"]["Email"])}]'),
        ("empty field name", 'people_mappings[""]'),
        (
            "same synonym twice",
            f'people_mappings["Phone"][{len(SHIPPED["people_mappings"]["Phone"])}]',
        ),
        ("cleaning rule type", 'data_cleaning_rules["normalize_whitespace"]'),
    ],
)
async def test_an_invalid_document_is_refused_with_422_naming_the_path(
    client, change: str, path: str
) -> None:
    response = await client.put("/api/config/mappings", json=broken(change))
    assert response.status_code == 422
    error = (await response.get_json())["error"]
    assert error["code"] == "invalid"
    assert path in error["message"]
    assert [problem["path"] for problem in error["problems"]] == [path]
    assert await version_count(client) == 1
    assert await current_document(client) == SHIPPED


@pytest.mark.parametrize("body", [[], {}, {"version": 3}])
async def test_a_document_that_is_not_an_object_or_names_nothing_is_refused(client, body) -> None:
    response = await client.put("/api/config/mappings", json=body)
    assert response.status_code == 422
    assert (await response.get_json())["error"]["problems"][0]["path"] == "$"


async def test_a_body_that_is_not_json_is_a_400_and_a_huge_one_a_413(client) -> None:
    response = await client.put("/api/config/mappings", data="{not json")
    assert response.status_code == 400
    size = 2 * 1024 * 1024
    huge = await client.put(
        "/api/config/mappings", data=" " * size, headers={"Content-Length": str(size)}
    )
    assert huge.status_code == 413
    assert await version_count(client) == 1


async def test_preview_checks_its_input(client) -> None:
    bad_type = await client.post(
        "/api/config/mappings/preview", json={"table_type": "pets", "headers": ["x"]}
    )
    assert bad_type.status_code == 422
    bad_headers = await client.post(
        "/api/config/mappings/preview", json={"table_type": "people", "headers": "x"}
    )
    assert bad_headers.status_code == 400
    company = await preview(client, "Website", "Employees", table_type="company")
    assert list(company) == ["Website", "Employees"]
    assert company["Website"]["field"] == "Company Domain"
    assert company["Employees"]["field"] == "Company Employee Count"


async def test_export_downloads_the_current_document_and_import_adds_a_version(client) -> None:
    response = await client.get("/api/config/mappings/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="field_mappings_v1.json"'
    )
    exported = json.loads(await response.get_data())
    assert exported == SHIPPED
    exported["people_mappings"]["Email"].append("imported synonym")
    upload = await client.post(
        "/api/config/mappings/import",
        files={"file": json_file(json.dumps(exported).encode())},
    )
    assert await upload.get_json() == {"status": "success", "version": 2}
    exported["people_mappings"]["Phone"].append("by json body")
    as_body = await client.post("/api/config/mappings/import", json=exported)
    assert (await as_body.get_json())["version"] == 3
    assert await current_document(client) == exported
    versions = (await (await client.get("/api/config/mappings/versions")).get_json())["versions"]
    assert versions[0]["comment"] == "Imported from a file"


async def test_import_refuses_invalid_json_and_invalid_documents(client) -> None:
    not_json = await client.post(
        "/api/config/mappings/import",
        files={"file": json_file(b'{"people_mappings": ')},
    )
    assert not_json.status_code == 422
    assert "line 1" in (await not_json.get_json())["error"]["message"]
    invalid = await client.post("/api/config/mappings/import", json=broken("empty synonym"))
    assert invalid.status_code == 422
    assert await version_count(client) == 1


async def test_concurrent_changes_each_get_their_own_version(client) -> None:
    document = await current_document(client)

    async def put(n: int) -> int:
        changed = json.loads(json.dumps(document))
        changed["people_mappings"]["Email"].append(f"variant {n}")
        response = await client.put("/api/config/mappings", json=changed)
        assert response.status_code == 200
        return int((await response.get_json())["version"])

    numbers = await asyncio.gather(*(put(n) for n in range(8)))
    assert sorted(numbers) == list(range(2, 10))


async def test_the_current_version_survives_a_redis_flush(client, resources: Resources) -> None:
    await add_synonym(client, "Email", "survivor")
    await resources.redis.flushall()
    body = await (await client.get("/api/config/mappings")).get_json()
    assert body["version"] == 2 and "survivor" in body["people_mappings"]["Email"]
    await resources.redis.set(mappings.VERSION_KEY, 99)
    assert (await (await client.get("/api/config/mappings")).get_json())["version"] == 2


async def test_admin_token_guards_every_change_but_not_reading(admin_client) -> None:
    document = await current_document(admin_client)
    document["people_mappings"]["Email"].append("guarded")
    changes = [
        ("put", "/api/config/mappings", {"json": document}),
        ("post", "/api/config/backup", {"json": {}}),
        ("post", "/api/config/restore", {"json": {"version": 1}}),
        ("post", "/api/config/mappings/import", {"json": document}),
    ]
    for method, path, kwargs in changes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            refused = await getattr(admin_client, method)(path, headers=headers, **kwargs)
            assert refused.status_code == 401, (path, headers)
            assert (await refused.get_json())["error"]["code"] == "admin_required"
    assert await version_count(admin_client) == 1
    for method, path, kwargs in changes:
        allowed = await getattr(admin_client, method)(path, headers=BEARER, **kwargs)
        assert allowed.status_code == 200, path
    for path in (
        "/api/config/mappings",
        "/api/config/mappings/versions",
        "/api/config/mappings/export",
    ):
        assert (await admin_client.get(path)).status_code == 200
    assert (await admin_client.get("/api/config/mappings/versions/1")).status_code == 200
    assert (await preview(admin_client, "email"))["email"]["field"] == "Email"
    versions = (await (await admin_client.get("/api/config/mappings/versions")).get_json())[
        "versions"
    ]
    assert {v["author"] for v in versions if v["version"] > 1} == {"admin"}
