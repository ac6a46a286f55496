"""All file I/O of the processing core: reading CSVs, writing the CSV and the records file."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from app.processing.arrays import first_bytes
from app.processing.errors import CellTooLong, EmptyFile
from app.processing.parsing import ReadResult, parse_csv_buffer
from app.processing.values import value_samples

__all__ = [
    "FileSniff",
    "allow_cells_up_to",
    "ReadResult",
    "count_records",
    "iter_records",
    "read_csv_file",
    "sniff_file",
    "write_csv",
    "write_json",
    "write_records",
]

# A cell Excel or Sheets would run as a formula; plain numbers such as -5 or +49 are harmless.
_RISKY_BYTES = np.frombuffer(b"=+-@\t\r", dtype=np.uint8)
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?$"
_WRITE_BATCH = 65536
_RECORD_BATCH = 10000


@dataclass(frozen=True)
class FileSniff:
    """What the upload endpoint needs to know about a file before anything is processed."""

    encoding: str
    delimiter: str
    headers: list[str]
    rows: int
    samples: dict[str, list[str]]  # non-empty values of each column, evidence for mapping
    header_line: int = 1
    header_reason: str | None = None


_field_limit_lock = threading.Lock()


def allow_cells_up_to(chars: int) -> None:
    """Let the csv module read cells of up to `chars` characters (its default is 131,072).

    The limit is process-wide, so it is only ever raised: a cell can be as long as the largest
    file accepted, and one reader must not lower what another relies on.
    """
    with _field_limit_lock:
        if csv.field_size_limit() < chars:
            csv.field_size_limit(chars)


def read_csv_file(path: Path) -> ReadResult:
    """Read a CSV file into an all-string table, repairing and counting what is messy."""
    if path.stat().st_size == 0:
        raise EmptyFile("The file is empty.")
    # Mapped, the file's pages come straight from the page cache as Arrow parses them.
    with pa.memory_map(str(path), "r") as source:
        try:
            return parse_csv_buffer(source.read_buffer())
        except csv.Error as exc:  # the csv module's field limit, or text it cannot split
            limit = csv.field_size_limit()
            raise CellTooLong(
                f"A cell is longer than {limit:,} characters, or the file cannot be split "
                f"into cells ({exc})."
            ) from None


def sniff_file(path: Path) -> FileSniff:
    """Check a file can be read and report its encoding, delimiter, headers and record count."""
    result = read_csv_file(path)
    return FileSniff(
        encoding=result.encoding,
        delimiter=result.delimiter,
        headers=list(result.headers),
        rows=result.table.num_rows,
        samples=value_samples(result.table, result.headers),
        header_line=result.header_line,
        header_reason=result.header_reason,
    )


def neutralise_formulas(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix cells a spreadsheet would execute as formulas with a single quote."""
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([neutralise_formulas(c) for c in column.chunks], column.type)
    # one look at each value's first byte instead of a prefix test per risky character
    starts = pa.array(np.isin(first_bytes(column), _RISKY_BYTES))
    if not pc.any(starts).as_py():
        return column
    risky = pc.and_(starts, pc.invert(pc.match_substring_regex(column, _PLAIN_NUMBER)))
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def write_csv(table: pa.Table, path: Path) -> None:
    """Write the table as UTF-8 CSV, safe to open in a spreadsheet, batch by batch."""
    # Headers come from the user's files too (unmapped columns keep theirs): the same guard.
    names = neutralise_formulas(pa.array(table.column_names, pa.string())).to_pylist()
    schema = pa.schema([pa.field(name, pa.string()) for name in names])
    safe = pa.table([neutralise_formulas(c) for c in table.columns], schema=schema)
    with pacsv.CSVWriter(path, schema) as writer:
        for batch in safe.to_batches(max_chunksize=_WRITE_BATCH):
            writer.write_batch(batch)
        if table.num_rows == 0:
            writer.write_table(schema.empty_table())


def write_json(data: object, path: Path) -> None:
    """Write a report or preview as UTF-8 JSON (orjson: the report of a large merge is tens of
    megabytes, which the standard encoder takes several times longer to write)."""
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS))


def write_records(table: pa.Table, path: Path) -> None:
    """Write the result as an Arrow IPC file, the original values, for delivery to read back."""
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=_RECORD_BATCH):
            writer.write_batch(batch)


def iter_records(
    path: Path, *, start_row: int = 1, batch_size: int = 1000
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Yield (1-based output row, record) from a records file, starting at start_row."""
    with pa.memory_map(str(path), "r") as source:
        reader = ipc.open_file(source)
        first = 1
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            end = first + batch.num_rows
            if end > start_row:
                skip = max(0, start_row - first)
                for offset in range(skip, batch.num_rows, batch_size):
                    rows = batch.slice(offset, batch_size).to_pylist()
                    for k, record in enumerate(rows):
                        yield first + offset + k, record
            first = end


def count_records(path: Path) -> int:
    """The number of records in a records file, without reading their values."""
    with pa.memory_map(str(path), "r") as source:
        reader = ipc.open_file(source)
        return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
