"""Field mappings: immutable versions in the database, the current one cached and hot-reloaded.

Every process keeps documents in a cache keyed by version number and asks Redis
(`mappings:version`, set on every change) which number is current, so a change made by any
process is used by every web process and worker on its next call, without a restart.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.errors import BadInput, Conflict, Invalid, NotFound
from app.processing.headers import detect_mapping
from app.resources import Resources
from app.services import mapping_rules as rules
from app.services import quotas
from app.services.mapping_rules import Problem
from app.storage.models import MappingVersion, utcnow

log = logging.getLogger(__name__)

VERSION_KEY = "mappings:version"
# A safety net only: a writer that died between its commit and its Redis update is
# noticed within this many seconds; normally every change updates the key at once.
VERSION_KEY_TTL_SECONDS = 60
PROJECT_ROOT = Path(__file__).resolve().parents[2]
META_KEYS = ("version", "comment")
MAX_COMMENT_CHARS = 500
MAX_DOCUMENT_BYTES = 1024 * 1024
_CACHE_SIZE = 16
_INSERT_ATTEMPTS = 5
_SERIALISE_WRITERS = "LOCK TABLE mapping_versions IN SHARE ROW EXCLUSIVE MODE"
# Raise the key, never lower it: two writers may finish in either order.
_RAISE_VERSION = """
local known = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > known then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 0
"""
_documents: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()


class InvalidMappings(Invalid):
    """422 naming each problem's path; the envelope also lists them under error.problems."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = "; ".join(str(problem) for problem in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"The mappings document is not valid: {shown}{more}")
        self.problems = problems

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = super().to_json()
        body["error"]["problems"] = [problem.to_json() for problem in self.problems]
        return body


async def current(res: Resources) -> tuple[int, dict[str, Any]]:
    """The current version number and a private copy of its document (seeding version 1)."""
    version = await current_version(res)
    document = await _document(res, version)
    if document is None:  # Redis names a version this database lacks: the database was reset.
        version = await _latest_in_db(res) or await _seed(res)
        await _announce(res, version, is_forced=True)
        document = await _document(res, version)
        assert document is not None
    return version, copy.deepcopy(document)


async def current_version(res: Resources) -> int:
    """The current version number: one Redis GET, the database only when Redis does not know."""
    try:
        known = await res.redis.get(VERSION_KEY)
    except RedisError as exc:
        log.warning("reading %s from Redis failed, asking the database: %s", VERSION_KEY, exc)
        known = None
    if known is not None:
        return int(known)
    version = await _latest_in_db(res) or await _seed(res)
    await _announce(res, version)
    return version


async def get_version(res: Resources, version: int) -> dict[str, Any]:
    """A private copy of one version's document, or NotFound."""
    await current_version(res)
    document = await _document(res, version)
    if document is None:
        raise NotFound(f"There is no mappings version {version}.", code="version_not_found")
    return copy.deepcopy(document)


async def save(res: Resources, document: Any, *, author: str, comment: str | None = None) -> int:
    """Validate a document and store it as the new current version; InvalidMappings if not.

    Known sections the document omits keep their current content; `version` and `comment`
    keys are metadata (a document read from GET can be sent back as it is).
    """
    if not isinstance(document, dict):
        raise InvalidMappings([Problem("$", "the document must be a JSON object")])
    given = {key: value for key, value in document.items() if key not in META_KEYS}
    if not given:
        raise InvalidMappings([Problem("$", f"name at least one of {', '.join(rules.SECTIONS)}")])
    note = document.get("comment")
    comment = comment or (note if isinstance(note, str) else None)
    _, base = await current(res)
    complete = rules.complete(given, base)
    problems = rules.validate(complete)
    if problems:
        raise InvalidMappings(problems)
    return await store(res, rules.tidy(complete), author=author, comment=comment)


def parse_document(raw: bytes | str) -> Any:
    """The JSON in an uploaded file or editor text; InvalidMappings naming line and column."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InvalidMappings([Problem("$", "the document is larger than 1 MB")])
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            reason = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        else:
            reason = "not UTF-8 text"
        raise InvalidMappings([Problem("$", f"not valid JSON: {reason}")]) from None


async def import_document(res: Resources, raw: bytes | str | Any, *, author: str) -> int:
    """Save an imported document (JSON text or already parsed), validated like a PUT."""
    document = parse_document(raw) if isinstance(raw, bytes | str) else raw
    return await save(res, document, author=author, comment="Imported from a file")


async def preview(res: Resources, table_type: Any, headers: Any) -> dict[str, dict[str, Any]]:
    """Map headers for a table type with the current version: {header: {"field", "score"}}."""
    if not isinstance(table_type, str) or table_type not in rules.TABLE_SECTIONS:
        raise Invalid('table_type must be "company" or "people".', code="invalid_table_type")
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise BadInput("headers must be a list of strings.", code="bad_headers")
    quotas.check_columns(res.settings, "The header list", len(headers))
    _, document = await current(res)
    threshold = res.settings.FUZZY_MATCH_THRESHOLD
    matches = await asyncio.to_thread(
        detect_mapping, headers, document, table_type, threshold=threshold
    )
    return {header: match.to_json() for header, match in matches.items()}


def clean_comment(comment: str | None) -> str | None:
    """A version comment, stripped; BadInput when it is not text or too long."""
    if comment is not None and not isinstance(comment, str):
        raise BadInput("comment must be a string.", code="bad_comment")
    if comment and len(comment) > MAX_COMMENT_CHARS:
        raise BadInput(f"Keep the comment under {MAX_COMMENT_CHARS} characters.")
    return (comment or "").strip() or None


async def store(
    res: Resources,
    document: dict[str, Any],
    *,
    author: str,
    comment: str | None,
    restored_from: int | None = None,
) -> int:
    """Add a document (already valid) as the new current version and announce it."""
    # One statement numbers and writes the row, so SQLite takes its write lock before
    # reading max(). PostgreSQL reads max() from a snapshot, so writers first take a table
    # lock that conflicts only with itself (readers go on); the retry is a last resort.
    next_version = select(func.coalesce(func.max(MappingVersion.version), 0) + 1)
    statement = (
        insert(MappingVersion)
        .values(
            version=next_version.scalar_subquery(),
            document=document,
            created_at=utcnow(),
            comment=clean_comment(comment),
            author=author[:64],
            restored_from=restored_from,
            is_backup=False,
        )
        .returning(MappingVersion.version)
    )
    for _ in range(_INSERT_ATTEMPTS):
        try:
            async with res.db.begin() as db:
                if res.engine.dialect.name == "postgresql":
                    await db.execute(text(_SERIALISE_WRITERS))
                version = (await db.execute(statement)).scalar_one()
        except IntegrityError:
            continue
        _remember(res, version, document)
        await _announce(res, version)
        return version
    raise Conflict("The mappings are being changed by someone else; try again.")


async def _document(res: Resources, version: int) -> dict[str, Any] | None:
    key = (res.settings.DATABASE_URL, version)
    if key in _documents:
        _documents.move_to_end(key)
        return _documents[key]
    async with res.db() as db:
        document = await db.scalar(
            select(MappingVersion.document).where(MappingVersion.version == version)
        )
    if document is not None:
        _remember(res, version, document)
    return document


def _remember(res: Resources, version: int, document: dict[str, Any]) -> None:
    _documents[(res.settings.DATABASE_URL, version)] = copy.deepcopy(document)
    while len(_documents) > _CACHE_SIZE:
        _documents.popitem(last=False)


async def _announce(res: Resources, version: int, *, is_forced: bool = False) -> None:
    try:
        if is_forced:
            await res.redis.set(VERSION_KEY, version, ex=VERSION_KEY_TTL_SECONDS)
        else:
            await res.redis.eval(_RAISE_VERSION, 1, VERSION_KEY, version, VERSION_KEY_TTL_SECONDS)
    except RedisError as exc:
        log.warning("could not publish mappings version %s to Redis: %s", version, exc)


async def _latest_in_db(res: Resources) -> int | None:
    async with res.db() as db:
        return await db.scalar(select(func.max(MappingVersion.version)))


def _shipped_document(res: Resources) -> dict[str, Any]:
    path = Path(res.settings.FIELD_MAPPINGS_FILE).expanduser()
    if not path.is_absolute() and not path.exists():
        path = PROJECT_ROOT / path
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


async def _seed(res: Resources) -> int:
    """Store the shipped document as version 1; another process may win the race, that's fine."""
    document = _shipped_document(res)
    try:
        async with res.db.begin() as db:
            db.add(MappingVersion(version=1, document=document, comment="Shipped defaults"))
    except IntegrityError:
        log.info("mappings version 1 was seeded by another process")
    return await _latest_in_db(res) or 1
