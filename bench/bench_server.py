"""Server path vs CLI path on the same files, in the same run.

From upload start to a downloaded CSV through a real `csv-merger serve` (web + worker +
embedded Redis), against `csv-merger merge` on the same files. Target: server <= 1.3x CLI.

    python bench/bench_server.py            # 5 people files of 20 MiB (the upload maximum)
    python bench/bench_server.py --quick    # 5 files of 2 MiB
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.redis_server import free_port  # noqa: E402
from bench.bench_merge import generate  # noqa: E402  (the same cached data sets)


def cli_path(files: list[Path], out: Path) -> float:
    started = time.perf_counter()
    # The same outputs as a job: the merged CSV and the report.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "merge",
            *map(str, files),
            "--type",
            "people",
            "-o",
            str(out),
            "--report",
            str(out.with_suffix(".json")),
        ],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def server_path(files: list[Path], data_dir: Path) -> tuple[float, dict[str, float]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATA_DIR=str(data_dir),
        PORT=str(port),
        MAX_STORAGE_PER_SESSION_MB="400",
        LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as http:
            for _ in range(300):
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            http.get("/api/session")
            started = time.perf_counter()
            handles = [path.open("rb") for path in files]
            try:
                upload = http.post(
                    "/api/upload",
                    files=[
                        ("files", (path.name, handle, "text/csv"))
                        for path, handle in zip(files, handles, strict=True)
                    ],
                )
            finally:
                for handle in handles:
                    handle.close()
            upload.raise_for_status()
            uploaded = time.perf_counter()
            job = http.post(
                "/api/process",
                json={"upload_id": upload.json()["upload_id"], "table_type": "people"},
            ).json()["job_id"]
            while http.get(f"/api/jobs/{job}/status").json()["status"] not in (
                "completed",
                "failed",
                "cancelled",
            ):
                time.sleep(0.1)
            processed = time.perf_counter()
            size = 0
            with http.stream("GET", f"/api/jobs/{job}/download") as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
            finished = time.perf_counter()
        phases = {
            "upload": uploaded - started,
            "process": processed - uploaded,
            "download": finished - processed,
            "bytes": size,
        }
        return finished - started, phases
    finally:
        server.terminate()
        server.wait(60)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    mb = 2.0 if args.quick else 20.0
    data = generate(mb, 5)
    files = sorted(data.glob("file_*.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        cli = cli_path(files, Path(tmp) / "cli.csv")
        server, phases = server_path(files, Path(tmp) / "server-data")
    ratio = server / cli
    print("| path | seconds | notes |\n|---|---|---|")
    print(f"| csv-merger merge | {cli:.2f} | 5 files x {mb:g} MiB |")
    print(
        f"| server (upload -> download) | {server:.2f} | upload {phases['upload']:.2f}, "
        f"process {phases['process']:.2f}, download {phases['download']:.2f} |"
    )
    print(f"| ratio | {ratio:.2f}x | target <= 1.30x: {'met' if ratio <= 1.3 else 'MISSED'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
