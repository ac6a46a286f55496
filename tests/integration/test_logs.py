"""Logs of a real server: one JSON object per line, tagged with job and session, no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Settings
from tests.integration.test_faults import Api, people_csv
from tests.support.processes import start_server
from tests.support.receiver import Receiver, ok

pytestmark = pytest.mark.slow
SECRET = "tok_9f8e7d6c5b4a"


def test_json_lines_carry_job_and_session_ids_and_never_the_webhook_token(
    migrated: Settings, tmp_path: Path
) -> None:
    server, base = start_server(migrated, tmp_path, LOG_FORMAT="json")
    api = Api(base)
    try:
        with Receiver.start(ok) as receiver:
            uploaded = api.upload(("p.csv", people_csv(30)))
            job_id = api.start(uploaded["upload_id"], webhook_url=f"{receiver.url}?token={SECRET}")
            assert api.wait(job_id, ("completed",), timeout=60)["status"] == "completed"
            assert receiver.count == 30
    finally:
        api.close()
        server.stop()
    output = server.output()
    assert SECRET not in output
    assert "Person1," not in output and "p1@corp1.com" not in output  # no record contents
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line["logger"] == "hypercorn.access" for line in lines)  # the server's too
    ours = [line for line in lines if line["logger"].startswith("app.")]
    assert ours, output[-2000:]
    about_job = [line for line in ours if line.get("job_id") == job_id]
    messages = " | ".join(line["message"] for line in about_job)
    assert "processing on" in messages and "delivery on" in messages
    assert {line.get("session_id") for line in about_job} == {about_job[0]["session_id"]}
    assert len(about_job[0]["session_id"]) >= 16
    for line in ours:
        assert {"time", "level", "logger", "message"} <= set(line)
