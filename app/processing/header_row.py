"""Finding a file's header row: a `sep=` line, blank lines, titles and notes above it.

Lead tools put things above the header: LinkedIn's Connections export opens with a `Notes:`
block, reports carry a title and an export date, spreadsheets pad those lines with empty
cells. Such a line holds at most one value per three columns of the data; the header is the
first line that holds more. A file whose first line is the header is read exactly as before.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
_SEP_LINE = re.compile(r"\A[\"']?sep=(.)[\"']?[ \t]*(\r\n|\n|\r|\Z)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LOOKED_AT_ROWS = 60
_VALUE_LIKE = re.compile(
    r"^[\d\s./:,+-]+(?:am|pm|utc)?$|^\d{4}-\d{2}-\d{2}", re.IGNORECASE
)  # a preamble is a few lines; the rest of the sample shows the data's width


@dataclass(frozen=True)
class HeaderRow:
    """Where the header starts (a character offset into the text), the delimiter, and why."""

    delimiter: str
    start: int
    line: int  # 1-based line of the file the header is on
    skipped_lines: int  # non-blank lines above the header that were not data (titles, notes)
    reason: str | None  # why the header is not on line 1, in plain words


def locate_header(text: str) -> HeaderRow:
    """The header row of a CSV text and its delimiter."""
    start = 0
    forced = None
    match = _SEP_LINE.match(text)
    if match:
        forced, start = match.group(1), match.end()
    start = _skip_blank(text, start)
    sample = _sample(text, start)
    delimiter = forced if forced is not None else sniff_delimiter(sample)
    rows = _rows(sample, delimiter)
    skipped = 0
    # a title above the header hides the delimiter from the sniffer: one column is a hint too
    if rows and (_is_preamble(rows[0][0], _data_width(rows)) or _one_column(rows, forced)):
        found = _after_preamble(sample, [forced] if forced else list(DELIMITERS))
        if found is not None:
            delimiter, offset, skipped = found
            start = _skip_blank(text, start + offset)
    line = _line_number(text, start)
    return HeaderRow(delimiter, start, line, skipped, _reason(line, skipped, match is not None))


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently."""
    sample = _cut_at_line_end(text[:SNIFF_CHARS], len(text) > SNIFF_CHARS)
    best, best_key = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r]
        rows = rows[:50]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistency = sum(len(r) == width for r in rows) / len(rows)
        key = (consistency, width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _skip_blank(text: str, start: int) -> int:
    while start < len(text):  # blank lines before the header, looked at a piece at a time
        piece = text[start : start + SNIFF_CHARS]
        stripped = piece.lstrip("\r\n\t ")
        start += len(piece) - len(stripped)
        if stripped:
            break
    return start


def _sample(text: str, start: int) -> str:
    return _cut_at_line_end(text[start : start + SNIFF_CHARS], len(text) - start > SNIFF_CHARS)


def _cut_at_line_end(sample: str, is_cut: bool) -> str:
    if not is_cut:
        return sample
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    return sample[:cut] if cut > 0 else sample


def _rows(sample: str, delimiter: str) -> list[tuple[list[str], int]]:
    """The first rows of the sample, each with the offset where it starts (blank rows left out)."""
    lines = _TrackedLines(sample)
    out = []
    try:
        reader = csv.reader(lines, delimiter=delimiter)
        start = 0
        for row in reader:
            if any(cell.strip() for cell in row):
                out.append((row, start))
            start = lines.consumed
            if len(out) >= _LOOKED_AT_ROWS:
                break
    except csv.Error:  # the careful parser reports what is wrong with the file
        pass
    return out


class _TrackedLines:
    """The lines of a text, counting how many characters the CSV reader has taken."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.consumed = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.consumed += len(line)
        return line


def _one_column(rows: list[tuple[list[str], int]], forced: str | None) -> bool:
    return forced is None and len(rows) > 1 and len(rows[0][0]) == 1


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def _data_width(rows: list[tuple[list[str], int]]) -> int:
    """The most common number of cells of the rows after the first: the data's width."""
    later = [len(row) for row, _ in rows[1:]] or [len(rows[0][0])]
    return Counter(later).most_common(1)[0][0]


def _is_preamble(row: list[str], width: int) -> bool:
    """A title, note or export-date line: one value, or a few values of which one is a label
    ("Exported on:") or a date or number, where the data has three times as many columns. A
    short header of plain words ("Name,Email") above wider rows stays the header."""
    if width < 2:
        return False
    filled = [cell.strip() for cell in row if cell.strip()]
    if len(filled) <= 1:
        return True
    if len(filled) > max(1, width // 3):
        return False
    return any(cell.endswith(":") or _VALUE_LIKE.match(cell) for cell in filled)


def _after_preamble(sample: str, delimiters: list[str]) -> tuple[str, int, int] | None:
    """(delimiter, offset of the header, preamble lines) for the delimiter whose rows after
    the preamble agree best on their width; None when no row looks like a header."""
    best: tuple[tuple[float, int], str, int, int] | None = None
    for delimiter in delimiters:
        rows = _rows(sample, delimiter)
        if len(rows) < 2:
            continue
        width = _data_width(rows)
        at = next((k for k, (row, _) in enumerate(rows) if not _is_preamble(row, width)), None)
        if at is None or at == 0 or _filled(rows[at][0]) < 2:
            continue
        header_width = len(rows[at][0])
        rest = rows[at + 1 :]
        consistency = sum(len(r) == header_width for r, _ in rest) / len(rest) if rest else 0.0
        key = (consistency, header_width)
        if best is None or key > best[0]:
            best = (key, delimiter, rows[at][1], at)
    return None if best is None else best[1:]


def _line_number(text: str, start: int) -> int:
    return len(_LINE_BREAK.findall(text, 0, start)) + 1


def _reason(line: int, skipped: int, had_sep_line: bool) -> str | None:
    """Why the header is not on line 1, in plain words (None when it is)."""
    if line == 1:
        return None
    parts = []
    if had_sep_line:
        parts.append("a sep= line names the delimiter")
    if skipped:
        noun = "line holds" if skipped == 1 else "lines hold"
        parts.append(f"{skipped} {noun} a title, notes or an export date, not column names")
    blank = line - 1 - skipped - int(had_sep_line)  # a quoted note may span lines: a guess
    if blank > 0 and not skipped:
        parts.append(
            "a blank line comes first" if blank == 1 else f"{blank} blank lines come first"
        )
    return "; ".join(parts) or None
