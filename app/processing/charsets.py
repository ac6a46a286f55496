"""Turning a file's bytes into text: refusing binaries, recognising the encoding."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from app.processing.errors import BinaryContent, EmptyFile, UndecodableText

# Signatures of files people mistake for CSVs, with the words we use to name them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_NON_ASCII_LETTER = re.compile(r"[^\W\d_a-zA-Z]")
_ASCII_LETTER = re.compile(r"[a-zA-Z]")
_SAMPLE = 256 * 1024
_MIN_SCRIPT_LETTERS = 100


def refuse_binary(data: bytes) -> None:
    """Raise BinaryContent when the bytes start like a known non-text format."""
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise BinaryContent(f"This file is {what}, not a CSV. Save it as CSV and try again.")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for a CSV's bytes, or raise a ProcessingError."""
    if not data[:4096].strip() and not data.strip():  # strip() copies: look at the start first
        raise EmptyFile("The file is empty.")
    refuse_binary(data)
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _decode_strict(data[3:], "utf-8"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _decode_strict(data, "utf-16"), "utf-16"
    elif b"\x00" in data:
        raise BinaryContent("This file contains binary data, not text. Save it as CSV.")
    else:
        text, encoding = _decode_guess(data)
    refuse_control_characters(text)
    if not text[:4096].strip() and not text.strip():
        raise EmptyFile("The file contains only blank lines.")
    return text, encoding


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            f"The file says it is {encoding} text but is damaged. Export it again as UTF-8 CSV."
        ) from exc


def _decode_guess(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    # Western exports (Excel on Windows) are cp1252. Only a sizeable text that decodes so but
    # is mostly non-ASCII letters is more likely another script, which the detector tells.
    if text and _looks_western(text[:_SAMPLE]):
        return text, "cp1252"
    best = charset_normalizer.from_bytes(data[:_SAMPLE]).best()
    if best is None:
        if text:
            return text, "cp1252"
        raise UndecodableText(
            "The file's text encoding is not recognised. Export it again as UTF-8 CSV."
        )
    encoding = codecs.lookup(best.encoding).name
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            "The file mixes text encodings. Export it again as UTF-8 CSV."
        ) from exc


def _looks_western(text: str) -> bool:
    ascii_letters = len(_ASCII_LETTER.findall(text))
    other_letters = len(_NON_ASCII_LETTER.findall(text))
    return other_letters < _MIN_SCRIPT_LETTERS or other_letters <= ascii_letters


def utf8_head(head: bytes) -> str | None:
    """The start of a UTF-8 file as text (a character cut at the end is left out), or None when
    it is not UTF-8 (or is UTF-16, or holds NUL bytes)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":
            return None
        return head[: exc.start].decode("utf-8")


def refuse_control_characters(text: str) -> None:
    """Raise BinaryContent when the text's start is full of control characters."""
    sample = text[:_SAMPLE]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 200):
        raise BinaryContent("This file contains binary data, not text. Save it as CSV.")
