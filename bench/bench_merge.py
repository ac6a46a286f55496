"""Merge benchmark: `csv-merger merge` end to end against a raw Arrow read and the old design.

In one run, on people and company lists from bench/gen_leads.py (10 files, dup-rate 0.2,
cached under bench/out/), it measures at three sizes (each doubling the rows):
  merge     `python -m app.cli_merge FILES --type people -o OUT --report R` in a subprocess:
            read, map, clean, dedupe, smart-merge, write CSV and report (wall time, peak RSS)
  read      pyarrow.csv.read_csv of the same files alone, in a subprocess
  baseline  the design's original approach (pandas + pairwise fuzzy name matching) on the first
            n rows, n doubling while it stays under a minute, extrapolated quadratically
Merges run twice and reads three times; the fastest run counts (the machine may be busy).
The largest size is the max case: 10 files of 20 MiB each. Targets, per table type: merge at
most 15x the raw read, peak RSS at most 1.2 GB, time per row growing at most 1.2x per doubling
of rows. The baseline runs on people lists only.
Usage: python bench/bench_merge.py [--quick] [--type people|company|both]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MAX_RATIO = 15.0
MAX_RSS_MB = 1200.0
MAX_GROWTH = 1.2
BASELINE_BUDGET = 60.0
REPEATS = 2

# Each runner prints one JSON line: its own time and peak RSS (ru_maxrss is KiB on Linux).
MERGE_RUNNER = """
import json, resource, sys, time
t = time.perf_counter()
from app.cli_merge import main
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "seconds": time.perf_counter() - t, "cpu": usage.ru_utime
                  + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""
READ_RUNNER = """
import json, resource, sys, time
import pyarrow.csv
t = time.perf_counter()
rows = sum(pyarrow.csv.read_csv(path).num_rows for path in sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": 0, "rows": rows, "seconds": time.perf_counter() - t, "cpu": usage.ru_utime
                  + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""
# The design document's approach: pandas frames, header renaming, then every pair of rows
# compared with a fuzzy ratio (it named fuzzywuzzy; rapidfuzz's ratio is the same score, faster).
BASELINE_RUNNER = """
import json, re, resource, sys, time
import pandas as pd
from rapidfuzz import fuzz
limit, mappings, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def norm(header):
    spaced = re.sub(r"([a-z])([A-Z])", r"\\1 \\2", header).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", spaced).split())
synonyms = {norm(s): f for f, names in json.load(open(mappings))["people_mappings"].items()
            for s in [f, *names]}
t = time.perf_counter()
frames = []
for path in paths:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [synonyms.get(norm(c), c) for c in frame.columns]
    frames.append(frame.loc[:, ~frame.columns.duplicated()])
df = pd.concat(frames, ignore_index=True).fillna("").head(limit)
read = time.perf_counter() - t
def column(name):
    return df[name] if name in df.columns else pd.Series([""] * len(df))
keys = [((n or f + " " + l).strip() + " | " + c.strip()).lower() for n, f, l, c in
        zip(column("Full Name"), column("First Name"), column("Last Name"), column("Company Name"))]
duplicate = [False] * len(keys)
for i in range(len(keys)):
    if duplicate[i]:
        continue
    for j in range(i + 1, len(keys)):
        if not duplicate[j] and fuzz.ratio(keys[i], keys[j]) >= 85:
            duplicate[j] = True
out = df[[not d for d in duplicate]]
out.to_csv("/dev/null", index=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": 0, "rows": len(keys), "seconds": time.perf_counter() - t, "read": read,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""


def generate(mb_per_file: float, files: int, table_type: str = "people") -> Path:
    """Generated lists of that size and type, reused from bench/out when already there."""
    out = OUT / f"{table_type}_{mb_per_file:g}mb_x{files}"
    if not (out / "manifest.json").is_file():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "gen_leads.py"),
                "--type",
                table_type,
                "--mb-per-file",
                str(mb_per_file),
                "--files",
                str(files),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return out


def measure(code: str, args: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Run a runner snippet in a fresh interpreter; its JSON plus the outside wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"runner failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def best_of(times: int, code: str, args: list[str]) -> dict[str, Any]:
    """The fastest of a few runs (other work on the machine only ever adds time); peak RSS is
    the largest seen."""
    runs = [measure(code, args) for _ in range(times)]
    best = min(runs, key=lambda r: r["wall"])
    return {**best, "rss_mb": max(r["rss_mb"] for r in runs)}


def pairwise_scores(report: dict[str, Any], data: Path) -> tuple[float, float]:
    """Pairwise precision and recall of the report's clusters against truth.csv."""
    with (data / "truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = {(r["file"], int(r["row"]) + 1): r["entity_id"] for r in csv.DictReader(handle)}

    def pairs(counts: Counter[str]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    predicted = correct = 0
    for cluster in report["clusters"]:
        members = [truth[(m["file"], m["row"])] for m in cluster["members"]]
        predicted += len(members) * (len(members) - 1) // 2
        correct += pairs(Counter(members))
    total = pairs(Counter(truth.values()))
    return (correct / predicted if predicted else 1.0), (correct / total if total else 1.0)


def run_merge(data: Path, table_type: str = "people") -> dict[str, Any]:
    """The merge of one data set, with its quality against the truth."""
    files = [str(p) for p in sorted(data.glob("file_*.csv"))]
    target, report = data / "merged.csv", data / "report.json"
    args = [*files, "--type", table_type, "-o", str(target), "--report", str(report)]
    result = best_of(REPEATS, MERGE_RUNNER, args)
    document = json.loads(report.read_text(encoding="utf-8"))
    result["rows"] = document["counts"]["input_records"]
    result["precision"], result["recall"] = pairwise_scores(document, data)
    target.unlink()
    report.unlink()
    return result


def run_baseline(data: Path, total_rows: int, start: int, budget: float) -> dict[str, Any]:
    """The old approach at the largest n (doubling) that stays within the budget.

    Its time is a fixed part (pandas reading every file) plus the pairwise comparison, which
    grows with the square of the rows; only that part is extrapolated.
    """
    files = [str(p) for p in sorted(data.glob("file_*.csv"))]
    best: dict[str, Any] | None = None
    n = start
    while n <= total_rows:
        try:
            args = [str(n), str(ROOT / "mappings" / "field_mappings.json"), *files]
            result = measure(BASELINE_RUNNER, args, timeout=budget * 2)
        except subprocess.TimeoutExpired:
            break
        best = result
        pairwise = result["seconds"] - result["read"]
        if result["read"] + pairwise * 4 > budget:  # the next doubling would not finish in time
            break
        n *= 2
    assert best is not None, "the baseline did not finish even at the smallest size"
    pairwise = best["seconds"] - best["read"]
    best["extrapolated"] = best["read"] + pairwise * (total_rows / best["rows"]) ** 2
    return best


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, and say which targets were met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--type", choices=["people", "company", "both"], default="both")
    args = parser.parse_args(argv)
    sizes = [0.25, 0.5, 1.0] if args.quick else [5.0, 10.0, 20.0]
    types = ["people", "company"] if args.type == "both" else [args.type]
    for table_type in types:
        rows = []
        for mb in sizes:
            data = generate(mb, 10, table_type)
            files = [str(p) for p in sorted(data.glob("file_*.csv"))]
            merge = run_merge(data, table_type)
            read = best_of(REPEATS + 1, READ_RUNNER, files)
            rows.append((mb, data, merge, read))
        baseline = None
        if table_type == "people":
            mb, data, merge, read = rows[-1]
            start, budget = (500, 8.0) if args.quick else (4000, BASELINE_BUDGET)
            baseline = run_baseline(data, merge["rows"], start, budget)
        print(f"\n{table_type} lists")
        print_table(rows, baseline)
    return 0


def print_table(
    rows: list[tuple[float, Path, dict[str, Any], dict[str, Any]]],
    baseline: dict[str, Any] | None,
) -> None:
    """The measurements and the verdict on each target."""
    print(
        f"{'case':<34}{'rows':>9}{'wall s':>8}{'in-proc s':>10}{'cpu s':>7}{'RSS MB':>8}"
        f"{'x read':>8}{'us/row':>8}"
    )

    def line(label: str, r: dict[str, Any], extra: str = "") -> None:
        print(
            f"{label:<34}{r['rows']:>9,}{r['wall']:>8.2f}{r['seconds']:>10.2f}"
            f"{r.get('cpu', 0.0):>7.2f}{r['rss_mb']:>8.0f}{extra}"
        )

    per_row = []
    for mb, _, merge, read in rows:
        per_row.append(merge["wall"] / merge["rows"] * 1e6)
        ratio = merge["wall"] / read["wall"]
        line(f"merge 10 x {mb:g} MiB", merge, f"{ratio:>8.1f}{per_row[-1]:>8.1f}")
        line("  pyarrow.csv.read_csv alone", read)
    _, _, merge, read = rows[-1]
    if baseline is not None:
        line("baseline pandas + pairwise fuzzy", baseline)
        slower = baseline["extrapolated"] / merge["wall"]
        print(
            f"  extrapolated to {merge['rows']:,} rows: {baseline['extrapolated']:,.0f} s "
            f"(pairwise part x{(merge['rows'] / baseline['rows']) ** 2:,.0f}; "
            f"{slower:,.0f}x our merge)"
        )
    growths = [b / a for a, b in zip(per_row, per_row[1:], strict=False)]
    wall_ratio = merge["wall"] / read["wall"]
    inproc_ratio = merge["seconds"] / read["seconds"]
    print()
    print(
        f"quality at the largest size: pairwise precision {merge['precision']:.4f}, "
        f"recall {merge['recall']:.4f}"
    )
    checks = [
        (
            f"merge <= {MAX_RATIO:g}x raw read (wall, subprocess each)",
            wall_ratio <= MAX_RATIO,
            f"x{wall_ratio:.1f} (in-process x{inproc_ratio:.1f})",
        ),
        (f"peak RSS < {MAX_RSS_MB:g} MB", merge["rss_mb"] < MAX_RSS_MB, f"{merge['rss_mb']:.0f}"),
        (
            f"time per row grows <= x{MAX_GROWTH} per doubling",
            all(g <= MAX_GROWTH for g in growths),
            ", ".join(f"x{g:.2f}" for g in growths),
        ),
    ]
    for name, ok, value in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {name}: {value}")


if __name__ == "__main__":
    sys.exit(main())
