"""Bad input is answered with a fitting 4xx, never a 500."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from quart.testing import WebsocketResponseError

from tests.integration.test_jobs_api import upload


@pytest.mark.parametrize(
    "content",
    [
        b"name," + b"x" * 200_000 + b"\nAda,1\n",  # in the header
        b"name,email\nAda,a@b.c," + b"z" * 200_000 + b"\nBob,b@c.d\n",  # in a ragged row
    ],
    ids=["header", "ragged-row"],
)
async def test_a_cell_longer_than_the_csv_module_default_is_read(client, content: bytes) -> None:
    response = await upload(client, ("long.csv", content))
    assert response.status_code == 200, await response.get_json()
    assert (await response.get_json())["files"][0]["records"] >= 1


async def test_a_boundary_that_is_not_ascii_is_a_400(client) -> None:
    response = await client.post(
        "/api/upload",
        data=b"--x--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary*=UTF-8''%E2%82%AC"},
    )
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "bad_multipart"


async def test_a_websocket_to_an_unknown_path_is_refused_with_404_and_no_traceback(
    client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(WebsocketResponseError) as refused:
        async with asyncio.timeout(10), client.websocket("/no-such-socket") as socket:
            await socket.receive()
    assert refused.value.response.status_code == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_process_without_upload_id_is_a_422_naming_the_field(client) -> None:
    response = await client.post("/api/process", json={"table_type": "people"})
    assert response.status_code == 422
    error = (await response.get_json())["error"]
    assert error["code"] == "missing_upload_id" and "upload_id" in error["message"]


@pytest.fixture
def client_for(app_for: Any) -> Any:
    """Clients of the app with some settings changed."""

    async def make(**changes: Any) -> Any:
        return (await app_for(**changes)).test_client()

    return make


@pytest.mark.parametrize(
    ("allowed", "filename", "status"),
    [
        (["csv"], "leads.txt", 415),
        (["csv"], "leads.tsv", 415),
        (["csv"], "leads", 415),
        (["csv", "txt"], "leads.txt", 200),
        (["csv"], "LEADS.CSV", 200),
    ],
)
async def test_allowed_extensions_decide_which_file_names_are_accepted(
    client_for, allowed: list[str], filename: str, status: int
) -> None:
    client = await client_for(ALLOWED_EXTENSIONS=allowed)
    response = await upload(client, (filename, b"First Name,Email\nAda,ada@example.com\n"))
    assert response.status_code == status, await response.get_json()
    if status == 415:
        assert (await response.get_json())["error"]["code"] == "not_csv"
