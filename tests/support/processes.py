"""Real processes of the product for fault and scale-out tests: servers and workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from app.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def product_env(settings: Settings, **extra: Any) -> dict[str, str]:
    """The environment that points a process at the test's data, database and Redis."""
    env = {key: value for key, value in os.environ.items() if key not in Settings.model_fields}
    env.update(
        DATA_DIR=str(settings.DATA_DIR),
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL or "",
        SECRET_KEY=settings.SECRET_KEY,
        WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


class ProductProcess:
    """`csv-merger <command>` in a subprocess, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("a") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *command],
                env=env,
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as when a machine dies."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(
    settings: Settings, log_dir: Path, *, with_worker: bool = True, **env: Any
) -> tuple[ProductProcess, str]:
    """A real `serve`; returns it and its base URL once /health answers."""
    port = free_port()
    command = ["serve", "--port", str(port)] + ([] if with_worker else ["--no-worker"])
    server = ProductProcess(command, product_env(settings, **env), log_dir / f"serve-{port}.log")
    base = f"http://127.0.0.1:{port}"
    wait_until_healthy(base, server)
    return server, base


def start_worker(
    settings: Settings, log_dir: Path, name: str = "worker", **env: Any
) -> ProductProcess:
    return ProductProcess(["worker"], product_env(settings, **env), log_dir / f"{name}.log")


def wait_until_healthy(base: str, server: ProductProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited:\n{server.output()}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not healthy:\n{server.output()}")
