"""A mapping change reaches the web process and a separately started worker without restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from tests.integration.test_faults import Api
from tests.support.processes import start_server, start_worker

pytestmark = pytest.mark.slow

# a header no synonym knows, over values of no recognisable kind (e-mails would map by their
# values alone): only the new synonym can map it
CSV = b"Zorblax Contact,First Name,Last Name\nChief Engineer,Ada,Lovelace\n"


def test_new_synonym_maps_in_web_and_worker_processes(migrated: Settings, tmp_path: Path) -> None:
    server, base = start_server(migrated, tmp_path, with_worker=False)
    worker = start_worker(migrated, tmp_path)
    api = Api(base)
    try:
        before = api.upload(("before.csv", CSV))
        assert before["files"][0]["mapping"]["Zorblax Contact"]["field"] != "Job Title"
        first_job = api.start(before["upload_id"])
        api.wait(first_job, ("completed",), timeout=60)

        document = api.http.get("/api/config/mappings").json()
        old_version = document.pop("version")
        document["people_mappings"]["Job Title"].append("zorblax contact")
        saved = api.http.put("/api/config/mappings", json=document)
        assert saved.status_code == 200 and saved.json()["version"] == old_version + 1

        after = api.upload(("after.csv", CSV))
        assert after["files"][0]["mapping"]["Zorblax Contact"] == {
            "field": "Job Title",
            "score": 100,
        }
        job_id = api.start(after["upload_id"])
        api.wait(job_id, ("completed",), timeout=60)
        report = api.http.get(f"/api/jobs/{job_id}/report").json()
        assert report["mapping_version"] == old_version + 1
        assert report["files"][0]["mapping"]["Zorblax Contact"]["field"] == "Job Title"
        first_report = api.http.get(f"/api/jobs/{first_job}/report").json()
        assert first_report["mapping_version"] == old_version
    finally:
        api.close()
        worker.stop()
        server.stop()
