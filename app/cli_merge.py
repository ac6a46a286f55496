"""`csv-merger merge`: the whole processing pipeline offline, no server, no Redis."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from app.memory import prefer_small_pages
from app.processing.errors import ProcessingError
from app.processing.io import allow_cells_up_to, write_csv, write_json
from app.processing.pipeline import InputFile, MergeOptions, run

DEFAULT_MAPPINGS = Path(__file__).resolve().parent.parent / "mappings" / "field_mappings.json"
BAD_INPUT = 2
_STAGES = ("read", "clean", "dedupe", "merge")


def add_merge_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `merge FILE... --type people|company -o OUT.csv` on a subparsers object."""
    merge = subparsers.add_parser(
        "merge",
        help="merge CSV files into one clean, deduplicated CSV (offline)",
        description="Merge lead lists into one clean, deduplicated CSV, without a server.",
    )
    merge.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV files to merge")
    merge.add_argument("--type", dest="table_type", choices=("people", "company"), required=True)
    merge.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.csv")
    merge.add_argument("--threshold", type=int, default=85, help="fuzzy match threshold 0-100")
    merge.add_argument("--report", type=Path, metavar="R.json", help="write the report here")
    merge.add_argument("--mappings", type=Path, default=DEFAULT_MAPPINGS, metavar="M.json")
    merge.add_argument("--no-smart-merge", dest="smart_merge", action="store_false")
    merge.add_argument("--no-clean-domains", dest="clean_domains", action="store_false")
    merge.add_argument("--no-normalize", dest="normalize", action="store_false")
    return merge  # type: ignore[no-any-return]


def _fail(message: str) -> int:
    print(f"csv-merger merge: {message}", file=sys.stderr)
    return BAD_INPUT


def _load_mappings(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError("the mappings document must be a JSON object")
    return document


class _Bar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        index = _STAGES.index(stage) if stage in _STAGES else 0
        share = (index + (done / total if total else 1)) / len(_STAGES)
        filled = int(share * 30)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {stage:<8}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 50 + "\r")


class _WriteFailed(Exception):
    """Writing the output CSV failed (the cause says why)."""


def run_merge(args: argparse.Namespace) -> int:
    """Run the merge the parsed arguments describe; 0 on success, 2 on bad input."""
    if not 0 <= args.threshold <= 100:
        return _fail("--threshold must be between 0 and 100")
    for path in args.files:
        if not path.is_file():
            return _fail(f"{path}: no such file")
    try:
        mappings = _load_mappings(args.mappings)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read the mappings {args.mappings}: {exc}")
    options = MergeOptions(
        table_type=args.table_type,
        threshold=args.threshold,
        smart_merge=args.smart_merge,
        clean_domains=args.clean_domains,
        normalize=args.normalize,
    )
    inputs = [InputFile(path=p, display_name=p.name) for p in args.files]
    allow_cells_up_to(max(p.stat().st_size for p in args.files))  # no cell outgrows its file
    bar = _Bar()

    def write_output(table: pa.Table) -> None:
        try:
            write_csv(table, args.output)
        except OSError as exc:
            raise _WriteFailed(exc) from exc

    try:
        result = run(inputs, mappings, options, progress=bar, write_table=write_output)
    except ProcessingError as exc:
        bar.close()
        return _fail(f"{exc.filename}: {exc.message}" if exc.filename else exc.message)
    except _WriteFailed as exc:
        bar.close()
        return _fail(f"cannot write the output: {exc.__cause__}")
    except OSError as exc:  # an input that vanished or cannot be read
        bar.close()
        return _fail(f"cannot read the input: {exc}")
    bar.close()
    if args.report is not None:
        try:
            write_json(result.report, args.report)
        except OSError as exc:
            return _fail(f"cannot write the report: {exc}")
    counts = result.report["counts"]
    print(
        f"{counts['input_records']} rows in, {counts['output_records']} records out "
        f"({counts['duplicates_removed']} duplicates removed, "
        f"{counts.get('possible_duplicates', 0)} possible duplicates to review) -> {args.output}",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m app.cli_merge FILE... --type ... -o OUT.csv` (the same as `csv-merger merge`)."""
    parser = argparse.ArgumentParser(prog="csv-merger")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_merge_parser(subparsers)
    prefer_small_pages()
    return run_merge(parser.parse_args(["merge", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
