"""Property tests: any CSV we write parses back the same; dedupe partitions and is idempotent."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.processing.dedupe import dedupe
from app.processing.merge import merge_clusters
from app.processing.options import MergeOptions
from app.processing.parsing import parse_csv_bytes

# Cell text: printable letters (incl. non-ASCII), digits, spaces and CSV's special characters.
CELL = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 éüß€,;|\t\"'\n-+=@")), min_size=0, max_size=12
)
HEADER = st.text(alphabet=st.sampled_from(list("abcdefgXYZ")), min_size=1, max_size=8)


@st.composite
def csv_documents(draw: st.DrawFn) -> tuple[bytes, list[str], list[list[str]]]:
    width = draw(st.integers(1, 5))
    headers = draw(st.lists(HEADER, min_size=width, max_size=width, unique_by=str.lower))
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=8))
    # a data row that is entirely empty is a blank line by our reading; give it a value
    rows = [r if any(c.strip() for c in r) else ["x", *r[1:]] for r in rows]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerow(headers)
    writer.writerows(rows)
    text = buffer.getvalue()
    if delimiter != ",":
        text = f"sep={delimiter}{newline}{text}"  # the sniffer may pick another for tiny files
    return text.encode(encoding), headers, rows


@settings(max_examples=150, deadline=None)
@given(csv_documents())
def test_generated_csvs_parse_back_to_the_same_values(
    document: tuple[bytes, list[str], list[list[str]]],
) -> None:
    data, headers, rows = document
    result = parse_csv_bytes(data)
    assert result.headers == headers
    expected = [[cell or None for cell in row] for row in rows]
    got = [[r[h] for h in headers] for r in result.table.to_pylist()]
    assert got == expected


NAMES = st.sampled_from(["John Smith", "Jon Smith", "Mary Lee", "Marie Lee", "Ann Ng", None])
EMAILS = st.sampled_from(["js@acme.com", "JS@acme.com", "ml@acme.com", "ann@beta.io", None])
COMPANIES = st.sampled_from(["Acme", "Acme Inc", "Beta", None])
PEOPLE_ROWS = st.lists(st.tuples(NAMES, EMAILS, COMPANIES), min_size=1, max_size=25)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PEOPLE_ROWS, st.sampled_from([70, 85, 95]))
def test_dedupe_puts_every_row_in_exactly_one_cluster_and_is_idempotent(
    mappings: dict[str, Any], rows: list[tuple[str | None, ...]], threshold: int
) -> None:
    table = pa.table(
        {
            "Full Name": pa.array([r[0] for r in rows], pa.string()),
            "Email": pa.array([r[1] for r in rows], pa.string()),
            "Company Name": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    options = MergeOptions("people", threshold=threshold)
    found = dedupe(table, mappings=mappings, options=options)
    assert len(found.labels) == table.num_rows
    assert all(found.labels[label] == label <= row for row, label in enumerate(found.labels))
    merged = merge_clusters(table, found.labels)
    assert merged.table.num_rows == len(set(found.labels))
    again = dedupe(merged.table, mappings=mappings, options=options)
    assert again.labels == list(range(merged.table.num_rows))


COMPANY_NAMES = st.sampled_from(["Acme", "Acme Inc", "Acmee", "Beta Labs", "Beta Lab", None])
DOMAINS = st.sampled_from(["acme.com", "https://www.acme.com/", "beta.io", "acme.net", None])
COMPANY_ROWS = st.lists(st.tuples(COMPANY_NAMES, DOMAINS), min_size=1, max_size=25)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMPANY_ROWS, st.sampled_from([70, 85, 95]))
def test_company_dedupe_partitions_and_is_idempotent(
    mappings: dict[str, Any], rows: list[tuple[str | None, ...]], threshold: int
) -> None:
    table = pa.table(
        {
            "Company Name": pa.array([r[0] for r in rows], pa.string()),
            "Company Domain": pa.array([r[1] for r in rows], pa.string()),
        }
    )
    options = MergeOptions("company", threshold=threshold)
    found = dedupe(table, mappings=mappings, options=options)
    assert all(found.labels[label] == label <= row for row, label in enumerate(found.labels))
    merged = merge_clusters(table, found.labels)
    again = dedupe(merged.table, mappings=mappings, options=options)
    assert again.labels == list(range(merged.table.num_rows))
