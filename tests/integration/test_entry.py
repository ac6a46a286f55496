"""The container's entry command, run outside Docker: serve starts web, worker and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from app.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, **kwargs: object
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *args], env=env, cwd=cwd, text=True, **kwargs
    )  # type: ignore[call-overload]


def test_help_lists_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    for command in ("serve", "worker", "db", "merge", "cleanup"):
        assert command in done.stdout


def test_invalid_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "MAX_FILE_SIZE_MB": "huge"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "MAX_FILE_SIZE_MB" in done.stderr


@pytest.mark.slow
def test_serve_runs_web_worker_and_embedded_redis_and_stops_them_all(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port), PYTHONPATH=str(ROOT))
    log = tmp_path / "serve.log"
    with log.open("w") as log_file:
        server = cli("serve", env=env, cwd=tmp_path, stdout=log_file, stderr=log_file)
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}/health", server, log)
        assert health == {"status": "ok", "database": "ok", "redis": "ok"}
        children = psutil.Process(server.pid).children(recursive=True)
        assert any("redis-server" in child.name() for child in children)
        assert (tmp_path / "data" / "redis" / "redis.sock").exists()
        assert (tmp_path / "data" / "csv_merger.db").exists()
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=40) == 0
        _, still_alive = psutil.wait_procs(children, timeout=10)
        assert not still_alive
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def wait_for_health(
    url: str, server: subprocess.Popen[str], log: Path, timeout: float = 60
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy")
