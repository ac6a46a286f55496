"""Uploads: stream files into the session's folder within its limits, check them, map them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import (
    Data,
    Field,
    File,
    MultipartDecoder,
    NeedData,
    State,
)

from app.errors import BadInput, Invalid, NotCsv, NotFound, TooLarge
from app.processing import errors as processing_errors
from app.processing import headers as header_matching
from app.processing import io as csv_io
from app.resources import Resources
from app.services import mappings, quotas
from app.storage.models import Upload, UploadFile
from app.storage.paths import is_valid_id, new_id

TABLE_TYPES = ("company", "people")
_MAX_FIELD_BYTES = 1024
# Form fields the upload reads; any other field is skipped, so names cannot pile up.
_FORM_FIELDS = ("table_type", "upload_id")
# Multipart framing a request may carry beyond its files' bytes (boundaries, part headers,
# preamble, epilogue): every byte of the body counts against files + this allowance.
FRAMING_BYTES = 1024 * 1024
# The decoder holds at most this much undecoded text (a part's headers, the preamble); it is
# fed in slices so one large chunk from the network never lands in it whole.
_DECODER_BUFFER_BYTES = 256 * 1024
_FEED_BYTES = 64 * 1024
_EXTRA_PARTS = 8


@dataclass
class _StoredPart:
    display_name: str
    stored_name: str
    path: Path
    size: int = 0


@dataclass
class _Form:
    fields: dict[str, str] = field(default_factory=dict)
    parts: list[_StoredPart] = field(default_factory=list)


def display_name(filename: str | None) -> str:
    """What the user called the file: its base name only, printable, at most 255 chars."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:255] or "upload.csv"


async def receive(
    res: Resources, *, owner: str, content_type: str | None, body: AsyncIterable[bytes]
) -> dict[str, Any]:
    """Store every `files` part, refuse what is too large, over quota or not a CSV."""
    boundary = _boundary(content_type)
    await quotas.check_total_storage(res)
    existing_files, used_bytes = await quotas.session_usage(res, owner)
    form = _Form()
    try:
        await _stream_parts(res, owner, boundary, body, form, used_bytes)
        if not form.parts:
            raise BadInput("Choose at least one CSV file to upload.", code="no_files")
        quotas.check_file_count(res.settings, existing_files + len(form.parts))
        return await _register(res, owner, form)
    except BaseException:
        for part in form.parts:
            with contextlib.suppress(FileNotFoundError):
                part.path.unlink()
        raise


def _boundary(content_type: str | None) -> bytes:
    mimetype, options = parse_options_header(content_type or "")
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise BadInput("Send the files as multipart/form-data.", code="not_multipart")
    try:
        boundary = options["boundary"].encode("ascii")
    except UnicodeEncodeError:  # e.g. boundary*=UTF-8''%E2%82%AC, decoded by RFC 2231
        boundary = b""
    # RFC 2046: 1 to 70 characters; the decoder's search window relies on a short one.
    if not 0 < len(boundary) <= 70:
        raise BadInput("The multipart boundary is not valid.", code="bad_multipart")
    return boundary


async def _stream_parts(
    res: Resources,
    owner: str,
    boundary: bytes,
    body: AsyncIterable[bytes],
    form: _Form,
    used_bytes: int,
) -> None:
    settings = res.settings
    decoder = MultipartDecoder(
        boundary,
        max_form_memory_size=_DECODER_BUFFER_BYTES,
        max_parts=settings.MAX_FILES_PER_SESSION + _EXTRA_PARTS,
    )
    sink = _PartSink(res, owner, form, used_bytes)
    # The files may take what the session has left; the framing gets a fixed allowance.
    budget = max(settings.max_session_bytes - used_bytes, 0) + FRAMING_BYTES
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > budget:
                raise TooLarge(
                    "The upload is larger than this session may still store.",
                    code="request_too_large",
                )
            for start in range(0, len(chunk), _FEED_BYTES):
                if _is_closed(decoder):
                    break  # bytes after the closing boundary: counted above, never kept
                decoder.receive_data(chunk[start : start + _FEED_BYTES])
                sink.consume(decoder)
        if not _is_closed(decoder):
            decoder.receive_data(None)
            sink.consume(decoder)
    except RequestEntityTooLarge:
        raise TooLarge(
            "The upload's part headers or the number of its parts are too large.",
            code="request_too_large",
        ) from None
    except ValueError:
        raise BadInput(
            "The upload is not valid multipart/form-data.", code="bad_multipart"
        ) from None
    finally:
        sink.close()
    if not _is_closed(decoder):
        raise BadInput("The upload ended before it was complete.", code="incomplete_upload")


def _is_closed(decoder: MultipartDecoder) -> bool:
    """The closing boundary has been read: what follows is an epilogue, ignored as browsers
    expect (and never buffered)."""
    return decoder.state in (State.EPILOGUE, State.COMPLETE)


class _PartSink:
    """Turns decoder events into files on disk, counting bytes as they arrive."""

    def __init__(self, res: Resources, owner: str, form: _Form, used_bytes: int) -> None:
        self.res, self.owner, self.form = res, owner, form
        self.session_bytes = used_bytes
        self.current: _StoredPart | None = None
        self.handle: Any = None
        self.field_name: str | None = None
        self.field_value = bytearray()

    def consume(self, decoder: MultipartDecoder) -> None:
        event = decoder.next_event()
        while not isinstance(event, NeedData):
            if isinstance(event, File) and event.name == "files":
                self._open_file(event.filename)
            elif isinstance(event, Field | File):
                is_known = event.name in _FORM_FIELDS and isinstance(event, Field)
                self.field_name, self.field_value = (event.name if is_known else None), bytearray()
            elif isinstance(event, Data):
                self._write(event.data)
                if not event.more_data:
                    self._end_part()
            event = decoder.next_event()

    def _open_file(self, filename: str | None) -> None:
        name = display_name(filename)
        _check_extension(self.res, name)
        stored = new_id()
        path = self.res.paths.upload_file(self.owner, stored)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.current = _StoredPart(name, stored, path)
        self.form.parts.append(self.current)
        self.handle = path.open("wb")

    def _write(self, data: bytes) -> None:
        if self.current is None:
            if (
                self.field_name is not None
                and len(self.field_value) + len(data) <= _MAX_FIELD_BYTES
            ):
                self.field_value.extend(data)
            return
        self.current.size += len(data)
        self.session_bytes += len(data)
        if self.current.size > self.res.settings.max_file_bytes:
            raise TooLarge(
                f"{self.current.display_name} is larger than "
                f"{self.res.settings.MAX_FILE_SIZE_MB} MB.",
                code="file_too_large",
            )
        quotas.check_session_bytes(self.res.settings, self.session_bytes)
        self.handle.write(data)

    def _end_part(self) -> None:
        if self.current is not None:
            self.close()
            self.current = None
        elif self.field_name is not None:
            self.form.fields[self.field_name] = self.field_value.decode("utf-8", "replace")
            self.field_name = None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def _check_extension(res: Resources, name: str) -> None:
    """ALLOWED_EXTENSIONS decides; a name without an extension is not one of them."""
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    allowed = {ext.lower().lstrip(".") for ext in res.settings.ALLOWED_EXTENSIONS}
    if extension not in allowed:
        shown = f".{extension}" if extension else "no extension"
        raise NotCsv(f"{name} is not a CSV file ({shown}).", code="not_csv")


async def _register(res: Resources, owner: str, form: _Form) -> dict[str, Any]:
    sniffs = list(await asyncio.gather(*(_sniff(res, part) for part in form.parts)))
    table_type = form.fields.get("table_type") or None
    if table_type is not None and table_type not in TABLE_TYPES:
        raise BadInput("table_type must be company or people.", code="bad_table_type")
    version, document = await mappings.current(res)
    if table_type is None:
        all_headers = [header for sniff in sniffs for header in sniff.headers]
        # Fuzzy matching is CPU work: off the event loop, so other requests go on.
        table_type = await asyncio.to_thread(
            header_matching.detect_table_type, all_headers, document
        )
    files = [
        await asyncio.to_thread(_describe, part, sniff, document, table_type, res)
        for part, sniff in zip(form.parts, sniffs, strict=True)
    ]
    async with res.db.begin() as db:
        # Check and reservation in one step: parallel uploads of a session queue up here.
        await quotas.lock_session(db, owner)
        files_kept, bytes_kept = await quotas.session_usage_in(db, owner)
        quotas.check_file_count(res.settings, files_kept + len(form.parts))
        quotas.check_session_bytes(res.settings, bytes_kept + sum(p.size for p in form.parts))
        upload_id = await _upload_for(db, owner, form.fields.get("upload_id"), table_type)
        position = await _next_position(db, upload_id)
        for offset, (part, sniff) in enumerate(zip(form.parts, sniffs, strict=True)):
            db.add(_file_row(owner, upload_id, position + offset, part, sniff))
    return {
        "status": "success",
        "upload_id": upload_id,
        "table_type": table_type,
        "mapping_version": version,
        "files": files,
    }


async def _sniff(res: Resources, part: _StoredPart) -> csv_io.FileSniff:
    try:
        sniff = await asyncio.to_thread(csv_io.sniff_file, part.path)
    except processing_errors.EmptyFile as exc:
        raise BadInput(f"{part.display_name}: {exc}", code="empty_file") from None
    except processing_errors.NoHeaderRow as exc:
        raise BadInput(f"{part.display_name}: {exc}", code="no_header_row") from None
    except processing_errors.CellTooLong as exc:
        raise Invalid(f"{part.display_name}: {exc}", code="cell_too_long") from None
    except processing_errors.ProcessingError as exc:
        raise NotCsv(f"{part.display_name}: {exc}", code="not_csv") from None
    quotas.check_columns(res.settings, part.display_name, len(sniff.headers))
    return sniff


async def _upload_for(db: Any, owner: str, upload_id: str | None, table_type: str) -> str:
    if upload_id:
        upload = await db.get(Upload, upload_id) if is_valid_id(upload_id) else None
        if upload is None or upload.session_id != owner:
            raise NotFound("That upload does not exist.", code="upload_not_found")
        upload.table_type = table_type
        return str(upload.id)
    upload = Upload(id=new_id(), session_id=owner, table_type=table_type)
    db.add(upload)
    await db.flush()
    return str(upload.id)


async def _next_position(db: Any, upload_id: str) -> int:
    query = select(func.count()).select_from(UploadFile).where(UploadFile.upload_id == upload_id)
    return int(await db.scalar(query) or 0)


def _file_row(
    owner: str, upload_id: str, position: int, part: _StoredPart, sniff: csv_io.FileSniff
) -> UploadFile:
    return UploadFile(
        id=part.stored_name,
        upload_id=upload_id,
        session_id=owner,
        position=position,
        display_name=part.display_name,
        stored_name=part.stored_name,
        size_bytes=part.size,
        records=sniff.rows,
        columns=list(sniff.headers),
        encoding=sniff.encoding,
        delimiter=sniff.delimiter,
    )


def _describe(
    part: _StoredPart,
    sniff: csv_io.FileSniff,
    document: dict[str, Any],
    table_type: str,
    res: Resources,
) -> dict[str, Any]:
    matches = header_matching.detect_mapping(
        sniff.headers,
        document,
        table_type,
        threshold=res.settings.FUZZY_MATCH_THRESHOLD,
        samples=sniff.samples,
    )
    return {
        "file_id": part.stored_name,
        "filename": part.display_name,
        "size": part.size,
        "records": sniff.rows,
        "columns": list(sniff.headers),
        "encoding": sniff.encoding,
        "delimiter": sniff.delimiter,
        "header_row": {"line": sniff.header_line, "reason": sniff.header_reason},
        "mapping": {header: match.to_json() for header, match in matches.items()},
    }


async def remap(res: Resources, owner: str, table_type: str, files: list[dict[str, Any]]) -> None:
    """Each described file's mapping again, for another table type: from the stored file's
    own values where the session owns it (values decide as at upload), else from its headers."""
    if table_type not in TABLE_TYPES:  # refused as a preview refuses it
        await mappings.preview(res, table_type, [])
    ids = [str(f["file_id"]) for f in files if is_valid_id(str(f["file_id"]))]
    async with res.db.begin() as db:
        query = select(UploadFile).where(UploadFile.id.in_(ids), UploadFile.session_id == owner)
        owned = {row.id: row for row in await db.scalars(query)}
    _, document = await mappings.current(res)
    threshold = res.settings.FUZZY_MATCH_THRESHOLD
    for file in files:
        row = owned.get(str(file["file_id"]))
        if row is None:
            file["mapping"] = await mappings.preview(res, table_type, file["columns"])
            continue
        path = res.paths.upload_file(owner, row.stored_name)
        try:
            file["mapping"] = await asyncio.to_thread(
                _mapping_of, path, document, table_type, threshold
            )
        except (OSError, processing_errors.ProcessingError):  # gone or unreadable now
            file["mapping"] = await mappings.preview(res, table_type, file["columns"])


def _mapping_of(
    path: Path, document: dict[str, Any], table_type: str, threshold: int
) -> dict[str, dict[str, Any]]:
    sniff = csv_io.sniff_file(path)
    matches = header_matching.detect_mapping(
        sniff.headers, document, table_type, threshold=threshold, samples=sniff.samples
    )
    return {header: match.to_json() for header, match in matches.items()}
