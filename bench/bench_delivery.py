"""Delivery benchmark: the engine at rate 0 against the raw ceiling of the same client.

Starts a fast receiver in a separate process, then in one run measures
  raw     the shared httpx client POSTing the same bodies from `concurrency` plain coroutines,
  engine  DeliveryEngine.run at rate 0 with the same concurrency,
  memory  the engine over 100,000 streamed records, RSS sampled at start, middle and end.
Usage: python bench/bench_delivery.py [--quick] [--records N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.delivery import (  # noqa: E402 - needs the repository root on the path first
    DeliveryEngine,
    DeliveryOptions,
    RecordOutcome,
    TargetGuard,
    build_client,
)
from app.delivery.attempt import encode_body  # noqa: E402

MIN_SHARE = 0.70
MIN_RATE = 500.0
MAX_GROWTH_MB = 20.0
ROUNDS = 3


@dataclass
class Row:
    name: str
    records: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def sample_record(row: int) -> dict[str, Any]:
    """A lead of typical size (about 400 bytes of JSON)."""
    return {
        "first_name": "Ada",
        "last_name": f"Lovelace-{row}",
        "email": f"ada.{row}@analytical-engines.example",
        "company_name": "Analytical Engines Ltd",
        "company_domain": "analytical-engines.example",
        "job_title": "Head of Computing",
        "phone": "+44 20 7946 0000",
        "linkedin_url": f"https://www.linkedin.com/in/ada-{row}",
        "city": "London",
        "country": "United Kingdom",
        "notes": "Met at the Difference Engine demo; prefers email. Café ☕",
    }


def records(count: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records made on demand, as the job layer streams them from the result file."""
    return ((row, sample_record(row)) for row in range(1, count + 1))


def start_receiver() -> tuple[subprocess.Popen[str], str]:
    """The receiver in its own process, counting requests without keeping them."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.receiver", "--no-record"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"receiver did not start: {url!r}")
    return process, url


async def run_raw(client: httpx.AsyncClient, url: str, count: int, concurrency: int) -> Row:
    """The ceiling: the same client and bodies, no engine, `concurrency` plain senders."""
    rows = iter(range(1, count + 1))
    failures = 0

    async def sender() -> None:
        nonlocal failures
        for row in rows:
            body = encode_body(sample_record(row))
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": f"raw:{row}",
                "X-CSV-Merger-Job": "raw",
            }
            response = await client.post(url, content=body, headers=headers)
            failures += response.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return Row("raw client", count, time.perf_counter() - started, f"{failures} failed")


async def run_engine(
    client: httpx.AsyncClient, url: str, count: int, concurrency: int, rss: list[float]
) -> Row:
    """The engine at rate 0; samples RSS (MB) at the start, the middle and the end."""
    engine = DeliveryEngine(client, DeliveryOptions(concurrency=concurrency))
    process = psutil.Process()
    done = 0

    async def persist(batch: list[RecordOutcome]) -> None:
        nonlocal done
        before, done = done, done + len(batch)
        if before < count // 2 <= done:
            rss.append(process.memory_info().rss / 2**20)

    rss.append(process.memory_info().rss / 2**20)
    started = time.perf_counter()
    result = await engine.run(
        job_id="bench",
        url=url,
        records=records(count),
        rate=lambda: 0,
        on_outcomes=persist,
        is_cancelled=lambda: False,
    )
    seconds = time.perf_counter() - started
    rss.append(process.memory_info().rss / 2**20)
    return Row("engine, rate 0", count, seconds, f"{result.failed} failed")


async def bench(count: int, memory_count: int, concurrency: int) -> bool:
    """Run all three measurements and print the table; True when every target is met."""
    receiver, url = start_receiver()
    client = build_client(TargetGuard(allow_private=True), timeout=30, max_connections=concurrency)
    try:
        await run_raw(client, url, min(count, 500), concurrency)  # warm-up: connections, caches
        raws, engines = [], []
        for _ in range(ROUNDS):  # interleaved, best of each, so both face the same machine load
            raws.append(await run_raw(client, url, count, concurrency))
            engines.append(await run_engine(client, url, count, concurrency, []))
        raw = max(raws, key=lambda row: row.rate)
        engine = max(engines, key=lambda row: row.rate)
        rss: list[float] = []
        memory = await run_engine(client, url, memory_count, concurrency, rss)
    finally:
        await client.aclose()
        receiver.terminate()
        receiver.wait(10)
    return report(raw, engine, memory, rss, concurrency)


def report(raw: Row, engine: Row, memory: Row, rss: list[float], concurrency: int) -> bool:
    """Print the results table and the verdict for each target."""
    share = engine.rate / raw.rate
    growth = rss[-1] - rss[0]
    print(f"\nwebhook delivery benchmark (concurrency {concurrency}, receiver in its own process)")
    print(f"{'run':<22}{'records':>10}{'seconds':>10}{'per second':>12}  note")
    for row in (raw, engine, memory):
        line = f"{row.name:<22}{row.records:>10,}{row.seconds:>10.2f}{row.rate:>12.0f}"
        print(f"{line}  {row.note}")
    print(
        f"\nRSS MB at start / middle / end of the memory run: {' / '.join(f'{v:.1f}' for v in rss)}"
    )
    checks = [
        (
            f"engine reaches >= {MIN_SHARE:.0%} of the raw ceiling",
            share >= MIN_SHARE,
            f"{share:.0%}",
        ),
        (f"engine >= {MIN_RATE:.0f} deliveries/s", engine.rate >= MIN_RATE, f"{engine.rate:.0f}/s"),
        (f"RSS grows < {MAX_GROWTH_MB:.0f} MB", growth < MAX_GROWTH_MB, f"{growth:+.1f} MB"),
    ]
    for name, is_met, value in checks:
        print(f"{'PASS' if is_met else 'FAIL'}  {name}: {value}")
    return all(is_met for _, is_met, _ in checks)


def main() -> None:
    """Parse the options, run the benchmark and exit non-zero if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (about 15 s)")
    parser.add_argument("--records", type=int, help="records per throughput run")
    parser.add_argument("--memory-records", type=int, help="records in the memory run")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    count = args.records or (2_000 if args.quick else 10_000)
    memory_count = args.memory_records or (20_000 if args.quick else 100_000)
    is_met = asyncio.run(bench(count, memory_count, args.concurrency))
    raise SystemExit(0 if is_met else 1)


if __name__ == "__main__":
    main()
