"""The whole merge: read every file, map headers, clean, dedupe, smart-merge, report."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from app.processing.addresses import address_part, compose
from app.processing.arrays import as_array
from app.processing.dedupe import DedupeResult, dedupe
from app.processing.errors import Cancelled, ProcessingError
from app.processing.fields import standard_fields
from app.processing.headers import HeaderMatch, detect_mapping, header_words
from app.processing.io import ReadResult, read_csv_file
from app.processing.merge import MergeResult, merge_clusters
from app.processing.normalize import clean_table
from app.processing.options import MergeOptions
from app.processing.report import Provenance, cluster_entries, near_miss_entries, validate
from app.processing.values import value_samples

__all__ = ["InputFile", "MergeOptions", "PipelineResult", "run"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class InputFile:
    """One uploaded file: where it is, the name the user knows it by, their header choices."""

    path: Path
    display_name: str
    overrides: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineResult:
    """The output records (all string columns, standard fields first) and the report."""

    table: pa.Table
    report: dict[str, Any]


def run(
    inputs: Sequence[InputFile],
    mappings: Mapping[str, Any],
    options: MergeOptions,
    *,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    write_table: Callable[[pa.Table], None] | None = None,
) -> PipelineResult:
    """Merge the files into one clean, deduplicated table and explain what was done.

    write_table, when given, writes the output table out while the report is built (Arrow
    writes without the interpreter lock; the report is Python work), before run returns.
    """
    with _collector_paused():
        return _run(inputs, mappings, options, progress, is_cancelled, write_table)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a run builds millions of small acyclic objects, and every
    full collection would walk them all (reference counting still frees memory as usual)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(
    inputs: Sequence[InputFile],
    mappings: Mapping[str, Any],
    options: MergeOptions,
    progress: Progress | None,
    is_cancelled: Callable[[], bool] | None,
    write_table: Callable[[pa.Table], None] | None,
) -> PipelineResult:
    """run(), with the collector paused."""
    fields = _fields_to_fill(inputs, mappings, options)

    def report_progress(stage: str) -> Callable[[int, int], None]:
        return _stage_progress(stage, progress, is_cancelled)

    tables, file_reports, starts = _read_all(inputs, mappings, options, report_progress("read"))
    combined = _combine(tables, fields)
    del tables  # copied into `combined`: keep one copy of the data in memory
    cleaned = clean_table(
        combined,
        mappings,
        options.table_type,
        clean_domains_on=options.clean_domains,
        normalize_on=options.normalize,
        progress=report_progress("clean"),
    )
    del combined
    _release_memory()
    found = dedupe(
        cleaned.table,
        mappings=mappings,
        options=options,
        progress=progress,
        is_cancelled=is_cancelled,
        is_clean=options.clean_domains and options.normalize,
    )
    _release_memory()
    merging = report_progress("merge")
    merging(0, 3)
    merged = merge_clusters(cleaned.table, found.label_array, smart=options.smart_merge)
    counts = {"input_records": len(found.label_array), **cleaned.counts}
    placeholders = cleaned.placeholders
    del cleaned
    _release_memory()
    merging(1, 3)  # the last check for cancellation: once writing starts, the run finishes
    finishing = _stage_progress("merge", progress, None)  # progress only, no cancel check
    with ThreadPoolExecutor(1) as writer:
        written = writer.submit(write_table, merged.table) if write_table else None
        provenance = Provenance([i.display_name for i in inputs], starts)
        report = _report(options.table_type, file_reports, counts, merged, found, provenance)
        finishing(2, 3)
        report["validation"] = [
            *validate(merged.table, mappings, options.table_type),
            _placeholder_finding(counts.get("placeholders_cleared", 0), placeholders),
        ]
        if written is not None:
            written.result()
    finishing(3, 3)
    return PipelineResult(merged.table, report)


def _report(
    table_type: str,
    file_reports: list[dict[str, Any]],
    counts: dict[str, int],
    merged: MergeResult,
    found: DedupeResult,
    provenance: Provenance,
) -> dict[str, Any]:
    """The contract's processing report (validation is added by the caller)."""
    clusters = cluster_entries(
        merged, found.label_array, found.joins, provenance, found.explanations
    )
    possible = near_miss_entries(found.near_misses, provenance)
    return {
        "mapping_version": None,
        "table_type": table_type,
        "files": file_reports,
        "counts": {
            **_counts(counts, merged, file_reports),
            "clusters": len(clusters),
            "possible_duplicates": len(possible),
        },
        "clusters": clusters,
        "possible_duplicates": possible,
        "validation": [],
    }


def _placeholder_finding(count: int, examples: list[dict[str, Any]]) -> dict[str, Any]:
    """The validation entry for the placeholder values (N/A, null, -) that were emptied."""
    return {"check": "placeholder_values", "field": None, "count": count, "examples": examples}


def _stage_progress(
    stage: str, progress: Progress | None, is_cancelled: Callable[[], bool] | None
) -> Callable[[int, int], None]:
    """A (done, total) callback for one stage that also checks for cancellation."""

    def call(done: int, total: int) -> None:
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("The job was cancelled.")
        if progress is not None:
            progress(stage, done, total)

    return call


def _fields_to_fill(
    inputs: Sequence[InputFile], mappings: Mapping[str, Any], options: MergeOptions
) -> list[str]:
    """The standard fields of the output, refusing a job with nothing to do."""
    if not inputs:
        raise ProcessingError("There are no files to merge.")
    fields = standard_fields(mappings, options.table_type)
    if not fields:
        raise ProcessingError(f"The mappings define no {options.table_type} fields.")
    return fields


def _release_memory() -> None:
    """Hand freed Arrow buffers back to the system between stages (peak RSS, not speed)."""
    pa.default_memory_pool().release_unused()


def _read_all(
    inputs: Sequence[InputFile],
    mappings: Mapping[str, Any],
    options: MergeOptions,
    reading: Callable[[int, int], None],
) -> tuple[list[pa.Table], list[dict[str, Any]], list[int]]:
    """Each file read and renamed to standard fields, its report entry and first row."""
    tables, file_reports, starts = [], [], []
    offset = 0

    def read(item: InputFile) -> tuple[pa.Table, dict[str, Any]]:
        try:
            result = read_csv_file(item.path)
        except ProcessingError as exc:
            exc.filename = item.display_name
            raise
        return _map_file(item, result, mappings, options)

    reading(0, len(inputs))
    with ThreadPoolExecutor(2) as pool:  # one file's Python work overlaps another's parsing
        for k, (table, file_report) in enumerate(pool.map(read, inputs)):
            tables.append(table)
            file_reports.append(file_report)
            starts.append(offset)
            offset += table.num_rows
            reading(k + 1, len(inputs))
    return tables, file_reports, starts


def _counts(
    counts: dict[str, int], merged: MergeResult, file_reports: list[dict[str, Any]]
) -> dict[str, int]:
    """The report's counts: the contract's first, then each cleaning step's."""
    rows_in, rows_out = counts.pop("input_records"), merged.table.num_rows
    return {
        "input_records": rows_in,
        "output_records": rows_out,
        "duplicates_removed": rows_in - rows_out,
        "fields_merged": merged.fields_merged,
        **counts,
        "repaired_rows": sum(r["repaired_rows"] for r in file_reports),
        "blank_lines": sum(r["blank_lines"] for r in file_reports),
    }


def _map_file(
    item: InputFile, result: ReadResult, mappings: Mapping[str, Any], options: MergeOptions
) -> tuple[pa.Table, dict[str, Any]]:
    """The file's table renamed to standard fields (unmapped columns keep their header), with
    fields fed by address parts (City, State, Country; a house number) filled from them."""
    mapping: dict[str, HeaderMatch] = detect_mapping(
        result.headers,
        mappings,
        options.table_type,
        threshold=options.threshold,
        overrides=item.overrides,
        samples=value_samples(result.table, result.headers),
    )
    fields = set(standard_fields(mappings, options.table_type))
    names = []
    unmapped = []
    for column in result.table.column_names:
        match = mapping.get(column)
        if match is not None and match.field is not None:
            names.append(match.field)
            continue
        name = column
        while name in fields or name in names:
            name = f"{name} (unmapped)"
        names.append(name)
        unmapped.append(column)
    table = result.table.rename_columns(names)
    table = _with_address_parts(table, mappings, options.table_type, mapping, names, result)
    report = {
        "filename": item.display_name,
        "encoding": result.encoding,
        "delimiter": result.delimiter,
        "rows": result.table.num_rows,
        "header_row": {"line": result.header_line, "reason": result.header_reason},
        "repaired_rows": result.repaired_rows,
        "padded_rows": result.padded_rows,
        "overflow_rows": result.overflow_rows,
        "blank_lines": result.blank_lines,
        "mapping": {h: m.to_json() for h, m in mapping.items()},
        "unmapped": unmapped,
    }
    return table, report


def _with_address_parts(
    table: pa.Table,
    mappings: Mapping[str, Any],
    table_type: str,
    mapping: Mapping[str, HeaderMatch],
    names: list[str],
    result: ReadResult,
) -> pa.Table:
    """The fields that address-part columns feed, filled from those parts."""
    parts = {}
    for header, name in zip(result.table.column_names, names, strict=False):
        match = mapping.get(header)
        if match is not None and match.feeds is not None:
            part = address_part(header_words(header), mappings, table_type)
            if part is not None:
                parts[name] = part
    if not parts:
        return table
    mapped = {m.field: h for h, m in mapping.items() if m.field is not None}
    return compose(table, parts, mapped)


def _combine(tables: list[pa.Table], fields: list[str]) -> pa.Table:
    """One table: every standard field in document order, then the unmapped columns."""
    extra: list[str] = []
    for table in tables:
        extra.extend(c for c in table.column_names if c not in fields and c not in extra)
    order = [*fields, *extra]
    aligned = []
    for table in tables:
        columns = [
            table.column(c) if c in table.column_names else pa.nulls(table.num_rows, pa.string())
            for c in order
        ]
        aligned.append(pa.table(columns, names=order))
    combined = pa.concat_tables(aligned)
    with ThreadPoolExecutor(2) as pool:  # each column copied into one array, two at a time
        return pa.table(list(pool.map(as_array, combined.columns)), names=order)
