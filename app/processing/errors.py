"""Typed errors of the processing core, worded for the person who uploaded the file."""

from __future__ import annotations


class ProcessingError(Exception):
    """A file or a job the pipeline cannot handle; `message` is safe to show to the user."""

    def __init__(self, message: str, filename: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename  # the user's name of the file at fault, when there is one


class EmptyFile(ProcessingError):
    """The file has no content, or only spaces and blank lines."""


class BinaryContent(ProcessingError):
    """The file is not text (a spreadsheet, an archive, a PDF, ...)."""


class UndecodableText(ProcessingError):
    """The file's bytes are not text in any encoding we recognise."""


class NoHeaderRow(ProcessingError):
    """The first line does not name the columns."""


class Cancelled(ProcessingError):
    """The job was cancelled while it ran."""


class CellTooLong(ProcessingError):
    """A cell is longer than the reader accepts (it is set from the largest accepted file)."""
