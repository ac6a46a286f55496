"""Parsing decoded CSV text into an all-string Arrow table, repairing what is messy."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from app.processing.charsets import (
    decode_bytes,
    refuse_binary,
    refuse_control_characters,
    utf8_head,
)
from app.processing.errors import NoHeaderRow, ProcessingError
from app.processing.header_row import SNIFF_CHARS, HeaderRow, locate_header

OVERFLOW_COLUMN = "Overflow"
_HEADER_CHARS = 1024 * 1024
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_DATA_LIKE = re.compile(
    r"^(?:[-+]?[\d.,\s]+|[^@\s]+@[^@\s]+\.\w+|(?:https?://|www\.)\S+|[\w-]+\.(?:com|net|org|io))$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReadResult:
    """A parsed file: the table (columns named by cleaned headers) and what was repaired."""

    table: pa.Table
    encoding: str
    delimiter: str
    headers: list[str]
    padded_rows: int
    overflow_rows: int
    blank_lines: int
    header_line: int = 1  # the file's line the header was found on
    header_reason: str | None = None  # why it is not line 1

    @property
    def repaired_rows(self) -> int:
        """Rows that were padded or had extra cells moved to the overflow column."""
        return self.padded_rows + self.overflow_rows


def clean_header(value: str) -> str:
    """A header without invisible characters, with single plain spaces."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", value)).strip()


def unique_headers(raw: Sequence[str]) -> list[str]:
    """Cleaned headers, blank ones named after their position, repeated ones numbered."""
    names = [clean_header(h) or f"Column {i + 1}" for i, h in enumerate(raw)]
    seen = {n.casefold() for n in names}
    out: list[str] = []
    used: set[str] = set()
    # Where each name's numbering goes on: a number refused once stays refused (`used` only
    # grows, `seen` is fixed), so restarting at 2 would make many repeats quadratic.
    next_number: dict[str, int] = {}
    for name in names:
        candidate, key = name, name.casefold()
        if key in used:
            k = next_number.get(key, 2)
            candidate = f"{name} ({k})"
            while candidate.casefold() in used or candidate.casefold() in seen:
                k += 1
                candidate = f"{name} ({k})"
            next_number[key] = k + 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def parse_csv_buffer(data: pa.Buffer) -> ReadResult:
    """Parse a CSV file's bytes (a mapped file) into a table; raise a ProcessingError if it
    cannot be read.

    A UTF-8 file whose rows all fit the header (what lead tools export) goes from its bytes
    straight to Arrow, which checks the UTF-8 as it parses: no copy of the file in Python.
    Anything else takes the careful path of parse_csv_bytes.
    """
    direct = _parse_utf8_directly(data)
    if isinstance(direct, ReadResult):
        return direct
    return parse_csv_bytes(data.to_pybytes(), utf8_misfits=direct == _ARROW_REFUSED)


_CAREFUL = "careful"  # the start of the file needs the careful path
_ARROW_REFUSED = "arrow refused"  # Arrow met rows to repair, or bytes that are not UTF-8


def _parse_utf8_directly(data: pa.Buffer) -> ReadResult | str:
    """The file parsed from its bytes as UTF-8, or why the careful path has to take it."""
    head_bytes = data.slice(0, min(data.size, _HEADER_CHARS)).to_pybytes()
    refuse_binary(head_bytes)
    bom = len(codecs.BOM_UTF8) if head_bytes.startswith(codecs.BOM_UTF8) else 0
    head = utf8_head(head_bytes[bom:])
    if head is None or not head.strip() or _holds_nul(data):
        return _CAREFUL
    refuse_control_characters(head)
    found = locate_header(head)
    if data.size > len(head_bytes) and len(head) - found.start < SNIFF_CHARS:
        return _CAREFUL  # the header starts too late in the head
    try:
        raw_header = _header_row(head, found.start, found.delimiter)
    except ProcessingError:  # the careful path tells what is wrong with the whole file
        return _CAREFUL
    skipped = bom + len(head[: found.start].encode("utf-8"))
    parsed = _parse_with_arrow(data.slice(skipped), found.delimiter, raw_header)
    if parsed is None:
        return _ARROW_REFUSED
    return _read_result(parsed, raw_header, "utf-8-sig" if bom else "utf-8", found)


def parse_csv_bytes(data: bytes, *, utf8_misfits: bool = False) -> ReadResult:
    """Decode and parse a CSV file's bytes; raise a ProcessingError if it cannot be read.

    utf8_misfits: Arrow already found rows it cannot take in these bytes as UTF-8.
    """
    text, encoding = decode_bytes(data)
    found = locate_header(text)
    delimiter, start = found.delimiter, found.start
    raw_header = _header_row(text, start, delimiter)
    parsed = None
    if encoding in ("utf-8", "utf-8-sig"):
        if not utf8_misfits:
            skipped = len(text[:start].encode("utf-8")) + (3 if encoding == "utf-8-sig" else 0)
            parsed = _parse_with_arrow(data[skipped:], delimiter, raw_header)
    else:
        parsed = _parse_with_arrow(text[start:].encode("utf-8"), delimiter, raw_header)
    if parsed is None:
        parsed = _parse_with_python(text[start:], delimiter, len(raw_header))
    return _read_result(parsed, raw_header, encoding, found)


def _holds_nul(data: pa.Buffer) -> bool:
    return data.size > 0 and int(np.frombuffer(data, dtype=np.uint8).min()) == 0


def _header_row(text: str, start: int, delimiter: str) -> list[str]:
    """The raw cells of the row at `start`, refused when it is not a header."""
    # Slicing or wrapping the whole text copies it: the header only needs the start.
    head = text[start : start + _HEADER_CHARS]
    raw_header = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter))
    _check_header(raw_header)
    return raw_header


def _read_result(
    parsed: _ParseOutcome, raw_header: list[str], encoding: str, found: HeaderRow
) -> ReadResult:
    table, padded, overflow, blank = parsed
    headers = unique_headers(raw_header)
    names = list(headers)
    if table.num_columns > len(headers):
        names.append(unique_headers([*headers, OVERFLOW_COLUMN])[-1])
    return ReadResult(
        table=table.rename_columns(names),
        encoding=encoding,
        delimiter=found.delimiter,
        headers=headers,
        padded_rows=padded,
        overflow_rows=overflow,
        blank_lines=blank,
        header_line=found.line,
        header_reason=found.reason,
    )


def _check_header(raw: list[str]) -> None:
    cells = [clean_header(c) for c in raw]
    filled = [c for c in cells if c]
    if not filled:
        raise NoHeaderRow("The first line is empty: the file needs a row of column names.")
    if all(_DATA_LIKE.match(c) for c in filled):
        raise NoHeaderRow(
            "The first line looks like data, not column names. Add a header row and try again."
        )


_ParseOutcome = tuple[pa.Table, int, int, int]


def _parse_with_arrow(
    payload: bytes | pa.Buffer, delimiter: str, header: list[str]
) -> _ParseOutcome | None:
    """The fast path; None when rows have the wrong number of cells (the slow path repairs)."""
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    misfits: list[int] = []
    blank_text = [0]

    def on_invalid(row: pacsv.InvalidRow) -> str:
        if row.text.strip():
            misfits.append(row.actual_columns)
        else:
            blank_text[0] += 1
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(payload),
            read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if misfits or table.num_rows == 0:
        return None
    first = [table.column(i)[0].as_py() or "" for i in range(width)]
    if first != header:
        return None
    table = table.slice(1)
    blank = 0
    # a row of empty cells has a null in every column: a column without nulls rules them out
    if table.num_columns == 1 or all(column.null_count for column in table.columns):
        keep = _non_blank_mask(table)
        blank = table.num_rows - pc.sum(keep).as_py() if table.num_rows else 0
        if blank:
            table = table.filter(keep)
    return table, 0, 0, blank + blank_text[0]


def _non_blank_mask(table: pa.Table) -> pa.ChunkedArray:
    mask = pc.is_valid(table.column(0))
    for i in range(1, table.num_columns):
        mask = pc.or_(mask, pc.is_valid(table.column(i)))
    if table.num_columns == 1:
        trimmed = pc.utf8_trim_whitespace(table.column(0))
        mask = pc.and_(mask, pc.not_equal(trimmed, ""))
    return pc.fill_null(mask, False)


def _parse_with_python(body: str, delimiter: str, width: int) -> _ParseOutcome:
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    next(reader)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    overflow: list[str | None] = []
    padded = overflowed = blank = 0
    for row in reader:
        if not any(cell.strip() if len(row) == 1 else cell for cell in row):
            blank += 1
            continue
        if len(row) < width:
            padded += 1
            row = row + [""] * (width - len(row))
        if len(row) > width:
            overflowed += 1
            overflow.append(delimiter.join(row[width:]))
        else:
            overflow.append(None)
        for i in range(width):
            columns[i].append(row[i] or None)
    arrays = [pa.array(col, type=pa.string()) for col in columns]
    names = [f"c{i}" for i in range(width)]
    if overflowed:
        arrays.append(pa.array(overflow, type=pa.string()))
        names.append("overflow")
    return pa.table(arrays, names=names), padded, overflowed, blank
