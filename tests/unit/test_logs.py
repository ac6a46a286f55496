"""The log handler tags lines with the ids bound in the current task, in text or JSON."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from app import logs


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET_LOGGERS}
    yield
    root.handlers[:] = saved
    root.setLevel(level)
    for name, quiet_level in quiet.items():
        logging.getLogger(name).setLevel(quiet_level)


def captured(log_format: str) -> io.StringIO:
    logs.configure("INFO", log_format)
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    return stream


async def test_ids_bound_in_a_task_tag_its_lines_only(root_handlers: None) -> None:
    stream = captured("json")

    async def run(job: str) -> None:
        logs.bind(job_id=job, session_id=f"s-{job}")
        logging.getLogger("app.test").info("working on it")

    await asyncio.gather(run("a"), run("b"))
    logging.getLogger("app.test").warning("outside any job")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    tagged = sorted((line["job_id"], line["session_id"]) for line in lines if "job_id" in line)
    assert tagged == [("a", "s-a"), ("b", "s-b")]
    assert lines[-1]["message"] == "outside any job" and "job_id" not in lines[-1]


async def test_text_lines_end_with_the_ids(root_handlers: None) -> None:
    stream = captured("text")

    async def run() -> None:
        logs.bind(job_id="j1")
        logging.getLogger("app.test").info("processed")

    await asyncio.create_task(run())
    assert stream.getvalue().rstrip().endswith("app.test: processed job=j1")


def test_errors_travel_inside_the_json_line(root_handlers: None) -> None:
    stream = captured("json")
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("app.test").exception("it failed")
    (line,) = stream.getvalue().splitlines()
    assert "ValueError: bad" in json.loads(line)["error"]


def test_httpx_request_lines_stay_out_of_the_log(root_handlers: None) -> None:
    stream = captured("text")
    logging.getLogger("httpx").info('HTTP Request: POST https://hooks.example/abc?token=x "200"')
    assert stream.getvalue() == ""
