"""Reading every CSV a lead tool exports: encodings, dialects, messy structure, refusals."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from app.processing.errors import (
    BinaryContent,
    EmptyFile,
    NoHeaderRow,
    ProcessingError,
    UndecodableText,
)
from app.processing.io import read_csv_file, sniff_file

WriteCsv = Callable[[bytes], Path]


def test_read_tells_another_script_from_cp1252(csv_file: WriteCsv) -> None:
    text = "Имя;Город\n" + "Иван Петров;Москва\nПётр Иванов;Санкт-Петербург\n" * 20
    result = read_csv_file(csv_file(text.encode("cp1251")))
    assert result.encoding == "cp1251"
    assert result.headers == ["Имя", "Город"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Name,City\nJosé,Zürich\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Name,City\nJosé,Zürich\n".encode(), "utf-8-sig"),
        ("Name,City\nJosé,Zürich\n".encode("utf-16"), "utf-16"),
        ("Name,City\nJosé,Zürich\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
        ("Name,City\nJosé,Zürich\n".encode("cp1252"), "cp1252"),
        ("Name,City\nRenée “R” – €5,Zürich\n".encode("cp1252"), "cp1252"),
    ],
)
def test_read_decodes_text_and_names_the_encoding(
    csv_file: WriteCsv, data: bytes, encoding: str
) -> None:
    result = read_csv_file(csv_file(data))
    assert result.encoding == encoding
    assert result.headers == ["Name", "City"]
    assert result.table.column("City").to_pylist() == ["Zürich"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_detects_the_delimiter(csv_file: WriteCsv, delimiter: str) -> None:
    text = delimiter.join(["Name", "Company", "Zip"]) + "\n"
    text += delimiter.join(["Ann", '"Acme, Inc"', "02134"]) + "\n"
    result = read_csv_file(csv_file(text.encode()))
    assert result.delimiter == delimiter
    assert result.table.to_pylist() == [{"Name": "Ann", "Company": "Acme, Inc", "Zip": "02134"}]


def test_read_honours_excels_sep_line(csv_file: WriteCsv) -> None:
    result = read_csv_file(csv_file(b"sep=;\r\nName;Score,Total\r\nAnn;1,5\r\n"))
    assert result.delimiter == ";"
    assert result.table.to_pylist() == [{"Name": "Ann", "Score,Total": "1,5"}]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_read_handles_quoted_commas_newlines_and_doubled_quotes(
    csv_file: WriteCsv, newline: str
) -> None:
    text = newline.join(["Name,Note,Zip", 'Ann,"says ""hi"", then' + newline + 'leaves",007', ""])
    result = read_csv_file(csv_file(text.encode()))
    assert result.table.to_pylist() == [
        {"Name": "Ann", "Note": f'says "hi", then{newline}leaves', "Zip": "007"}
    ]


def test_read_keeps_every_value_as_text(csv_file: WriteCsv) -> None:
    result = read_csv_file(csv_file(b"Id,Phone,Zip,Flag,Amount\n0012,+4930123,01234,TRUE,1e5\n"))
    assert result.table.to_pylist() == [
        {"Id": "0012", "Phone": "+4930123", "Zip": "01234", "Flag": "TRUE", "Amount": "1e5"}
    ]
    assert {str(t) for t in result.table.schema.types} == {"string"}


def test_read_pads_short_rows_and_keeps_extra_cells_in_an_overflow_column(
    csv_file: WriteCsv,
) -> None:
    result = read_csv_file(csv_file(b"a,b,c\n1,2\n3,4,5,6,7\n8,9,10\n"))
    assert result.padded_rows == 1
    assert result.overflow_rows == 1
    assert result.repaired_rows == 2
    assert result.table.to_pylist() == [
        {"a": "1", "b": "2", "c": None, "Overflow": None},
        {"a": "3", "b": "4", "c": "5", "Overflow": "6,7"},
        {"a": "8", "b": "9", "c": "10", "Overflow": None},
    ]


def test_read_names_blank_headers_and_numbers_repeated_ones(csv_file: WriteCsv) -> None:
    result = read_csv_file(csv_file(b"Email, ,email,\xc2\xa0Name\xe2\x80\x8b\nx,y,z,w\n"))
    assert result.headers == ["Email", "Column 2", "email (2)", "Name"]


@pytest.mark.parametrize(
    "data",
    [b"a,b\n\n1,2\n   \n\n3,4\n", b"a,b\r\n\r\n1,2\r\n,\r\n3,4\r\n", b"\n\na,b\n1,2\n\n3,4\n\n"],
)
def test_read_skips_and_counts_blank_lines(csv_file: WriteCsv, data: bytes) -> None:
    result = read_csv_file(csv_file(data))
    assert result.table.to_pylist() == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert result.blank_lines >= 1


def test_read_of_a_header_only_file_gives_zero_records(csv_file: WriteCsv) -> None:
    result = read_csv_file(csv_file(b"Name,Email\r\n"))
    assert result.table.num_rows == 0
    assert result.headers == ["Name", "Email"]


def test_sniff_counts_records_not_lines(csv_file: WriteCsv) -> None:
    sniff = sniff_file(csv_file(b'Name;Note\nAnn;"line one\nline two"\nBob;x\n'))
    assert (sniff.encoding, sniff.delimiter, sniff.headers, sniff.rows) == (
        "utf-8",
        ";",
        ["Name", "Note"],
        2,
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyFile),
        (b"  \r\n\t\n", EmptyFile),
        (b"\xef\xbb\xbf", EmptyFile),
        (b"PK\x03\x04\x14\x00\x06\x00", BinaryContent),
        (gzip.compress(b"a,b\n1,2\n"), BinaryContent),
        (b"%PDF-1.7\n", BinaryContent),
        (b"a,b\n1,\x00\x002\n", BinaryContent),
        (bytes(range(128, 256)) * 4, UndecodableText),
        (b",,,\n1,2,3\n", NoHeaderRow),
        (b"123,456\n789,012\n", NoHeaderRow),
        (b"ann@acme.com,bob@acme.com\n", NoHeaderRow),
    ],
)
def test_read_refuses_what_is_not_a_csv_with_a_plain_message(
    csv_file: WriteCsv, data: bytes, error: type[ProcessingError]
) -> None:
    with pytest.raises(error) as raised:
        sniff_file(csv_file(data))
    assert raised.value.message
    assert "Traceback" not in raised.value.message


# Files larger than the part read as text up front (1 MiB): what only shows up further in.
_FILLER_ROWS = 40_000


def _long_file(last_row: bytes, *, head: bytes = b"Name,City\n") -> bytes:
    return head + b"Ann,Berlin\n" * _FILLER_ROWS + last_row


def test_read_finds_cp1252_text_deep_in_an_ascii_start(csv_file: WriteCsv) -> None:
    result = read_csv_file(csv_file(_long_file("Zoë,Köln\n".encode("cp1252"))))
    assert result.encoding == "cp1252"
    assert result.table.slice(result.table.num_rows - 1).to_pylist() == [
        {"Name": "Zoë", "City": "Köln"}
    ]


def test_read_refuses_a_nul_byte_deep_in_the_file(csv_file: WriteCsv) -> None:
    with pytest.raises(BinaryContent):
        read_csv_file(csv_file(_long_file(b"Bob,\x00\x00\n")))


def test_read_repairs_a_short_row_deep_in_a_utf8_file(csv_file: WriteCsv) -> None:
    result = read_csv_file(csv_file(_long_file("Zoë\n".encode(), head=b"\xef\xbb\xbfName,City\n")))
    assert (result.encoding, result.padded_rows) == ("utf-8-sig", 1)
    assert result.table.num_rows == _FILLER_ROWS + 1


def test_read_keeps_a_character_cut_by_the_head(csv_file: WriteCsv) -> None:
    # a two-byte character across the 1 MiB mark: the head ends before it, the parse reads it
    cut = 1 << 20
    head = b"Name,City\n"
    filler = b"Ann,Berlin\n" * ((cut - len(head)) // 11 - 1)
    pad = b"x" * (cut - len(head) - len(filler) - 5)
    data = head + filler + b"Zo" + pad + b",K" + "ö".encode() + b"ln\n"
    assert data[cut - 1 : cut + 1] == "ö".encode()
    result = read_csv_file(csv_file(data))
    assert result.encoding == "utf-8"
    assert result.table.column("City")[-1].as_py() == "Köln"


@pytest.mark.parametrize("header", [b"Name,City\n", b"1234 Name,City\n"])
def test_read_finds_a_header_after_a_megabyte_of_blank_lines(
    csv_file: WriteCsv, header: bytes
) -> None:
    # the header starts right at the end of the part read as text up front
    data = b"\n" * ((1 << 20) - 6) + header + b"Ann,Berlin\n" * 10
    result = read_csv_file(csv_file(data))
    assert result.headers == header.decode().strip().split(",")
    assert result.table.num_rows == 10
