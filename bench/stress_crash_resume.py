"""Crash and restart, again and again: every job must resume and deliver every record.

Each run starts a real `csv-merger serve` (web, worker, embedded Redis) on a fresh DATA_DIR,
starts a job that delivers 300 records at 20 per second to a local receiver, kills the whole
app with SIGKILL part-way through (at a different record each run), restarts it on the same
DATA_DIR and measures how long the job takes to complete after the restart.

    python bench/stress_crash_resume.py             # 20 runs
    python bench/stress_crash_resume.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.redis_server import free_port  # noqa: E402
from tests.support.forms import multipart  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402

RECORDS = 300
RATE = 20
DEADLINE_SECONDS = 90.0


@dataclass
class RunResult:
    """What one crash-and-restart run showed."""

    killed_at_record: int
    is_completed: bool
    seconds_after_restart: float
    delivered_keys: int
    duplicates: int
    status: str

    def line(self) -> str:
        state = "ok" if self.is_completed else "FAILED"
        return (
            f"{state:6} killed at {self.killed_at_record:3}  status {self.status:10} "
            f"{self.seconds_after_restart:6.1f} s after restart  "
            f"{self.delivered_keys}/{RECORDS} keys, {self.duplicates} duplicates"
        )


def people_csv(rows: int) -> bytes:
    lines = ["First Name,Last Name,Email,Company"]
    lines += [f"Person{i},Family{i * 7919 % 100003},p{i}@corp{i}.com,Corp {i}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def start_app(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`csv-merger serve` in a process group of its own, its embedded Redis beside it."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATA_DIR=str(data_dir),
        PORT=str(port),
        SECRET_KEY="stress-secret",
        WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
    )
    with log.open("a") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited at start; see {log}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"serve did not become healthy; see {log}")


def kill_app(process: subprocess.Popen[bytes], *, whole_group: bool) -> None:
    """SIGKILL the server, or the server and its embedded Redis at once (a machine dying)."""
    if whole_group:
        os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.wait(10)


def stop_app(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def job_status(http: httpx.Client, job_id: str) -> dict[str, Any]:
    try:
        response = http.get(f"/api/jobs/{job_id}/status")
    except httpx.TransportError:
        return {}
    return response.json() if response.status_code == 200 else {}  # type: ignore[no-any-return]


def run_once(work_dir: Path, kill_at: int, *, whole_group: bool) -> RunResult:
    """One crash-and-restart; the job must complete within DEADLINE_SECONDS of the restart."""
    data_dir = work_dir / "data"
    log = work_dir / "serve.log"
    port = free_port()
    with Receiver.start() as receiver:
        app = start_app(data_dir, port, log)
        try:
            http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            body, content_type = multipart([("people.csv", people_csv(RECORDS))])
            uploaded = http.post(
                "/api/upload", content=body, headers={"Content-Type": content_type}
            )
            job = http.post(
                "/api/process",
                json={
                    "upload_id": uploaded.json()["upload_id"],
                    "table_type": "people",
                    "webhook_url": receiver.url,
                    "webhook_rate_limit": RATE,
                },
            )
            job_id = job.json()["job_id"]
            if not receiver.wait_for(kill_at, timeout=60):
                raise RuntimeError(f"delivery never reached record {kill_at}; see {log}")
            kill_app(app, whole_group=whole_group)
            app = start_app(data_dir, port, log)
            restarted = time.monotonic()
            status: dict[str, Any] = {}
            while time.monotonic() - restarted < DEADLINE_SECONDS:
                status = job_status(http, job_id)
                if status.get("status") in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.25)
            elapsed = time.monotonic() - restarted
            http.close()
        finally:
            stop_app(app)
        keys = [request.key for request in receiver.requests]
    expected = {f"{job_id}:{row}" for row in range(1, RECORDS + 1)}
    delivered = expected & set(keys)
    return RunResult(
        killed_at_record=kill_at,
        is_completed=status.get("status") == "completed"
        and delivered == expected
        and elapsed < DEADLINE_SECONDS,
        seconds_after_restart=elapsed,
        delivered_keys=len(delivered),
        duplicates=len(keys) - len(set(keys)),
        status=str(status.get("status")),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep each run's DATA_DIR and log")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    for number in range(1, args.runs + 1):
        work_dir = Path(tempfile.mkdtemp(prefix=f"crash-resume-{number}-"))
        result = run_once(work_dir, rng.randint(20, 250), whole_group=number % 2 == 0)
        results.append(result)
        print(f"run {number:2}: {result.line()}  ({work_dir})", flush=True)
        if result.is_completed and not args.keep:
            subprocess.run(["rm", "-rf", str(work_dir)], check=False)
    completed = [r for r in results if r.is_completed]
    times = sorted(r.seconds_after_restart for r in completed)
    print(f"\ncompleted {len(completed)}/{len(results)} within {DEADLINE_SECONDS:.0f} s")
    if times:
        print(
            f"after restart: min {times[0]:.1f} s, median {times[len(times) // 2]:.1f} s, "
            f"max {times[-1]:.1f} s"
        )
    return 0 if len(completed) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
