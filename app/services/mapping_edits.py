"""Edits from the mappings page: one synonym or field at a time, or the whole document as JSON.

A refused edit is an outcome, not an error: the page re-renders the form with its problems.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.errors import BadInput
from app.resources import Resources
from app.services import mapping_rules as rules
from app.services import mappings
from app.services.mapping_rules import Problem, key_path
from app.services.mappings import InvalidMappings


@dataclass(frozen=True)
class Edit:
    """The version current after an edit, its document, and why the edit was refused (if so)."""

    version: int
    document: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    text: str | None = None  # the JSON editor's text, kept when it was refused

    @property
    def is_refused(self) -> bool:
        return bool(self.problems)


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# A change edits the document in place and returns the comment for the new version.
Change = Callable[[dict[str, Any]], str]


def section_of(table_type: str) -> str:
    """The document section of a table type; BadInput for anything else."""
    if not isinstance(table_type, str) or table_type not in rules.TABLE_SECTIONS:
        raise BadInput('table_type must be "company" or "people".', code="bad_table_type")
    return rules.TABLE_SECTIONS[table_type]


async def current(res: Resources) -> Edit:
    """The current version as the editor shows it."""
    version, document = await mappings.current(res)
    return Edit(version, document)


async def add_synonym(
    res: Resources, table_type: str, name: str, synonym: str, *, author: str
) -> Edit:
    """Append a synonym to a field."""
    section = section_of(table_type)

    def change(document: dict[str, Any]) -> str:
        _existing(document, section, name).append(synonym.strip())
        return f'Added synonym "{synonym.strip()}" to {name} ({table_type})'

    return await _apply(res, change, author=author)


async def remove_synonym(
    res: Resources, table_type: str, name: str, synonym: str, *, author: str
) -> Edit:
    """Remove a synonym from a field (nothing changes when it is already gone)."""
    section = section_of(table_type)

    def change(document: dict[str, Any]) -> str:
        synonyms = document[section].get(name, [])
        if synonym in synonyms:
            synonyms.remove(synonym)
        return f'Removed synonym "{synonym}" from {name} ({table_type})'

    return await _apply(res, change, author=author)


async def add_field(
    res: Resources, table_type: str, name: str, synonyms: str, *, author: str
) -> Edit:
    """Add a field at the end of its table; `synonyms` is comma-separated, may be empty."""
    section = section_of(table_type)

    def change(document: dict[str, Any]) -> str:
        if name.strip() in document[section]:
            raise _Refused(Problem(key_path(section, name.strip()), "this field already exists"))
        listed = [part.strip() for part in synonyms.split(",") if part.strip()]
        document[section][name.strip()] = listed
        return f"Added field {name.strip()} ({table_type})"

    return await _apply(res, change, author=author)


async def remove_field(res: Resources, table_type: str, name: str, *, author: str) -> Edit:
    """Remove a field and its synonyms (nothing changes when it is already gone)."""
    section = section_of(table_type)

    def change(document: dict[str, Any]) -> str:
        document[section].pop(name, None)
        return f"Removed field {name} ({table_type})"

    return await _apply(res, change, author=author)


async def replace(
    res: Resources, text: str, *, base_version: int | None, author: str, comment: str | None
) -> Edit:
    """Save the JSON editor's text, unless the mappings changed since the editor was opened."""
    version, document = await mappings.current(res)
    if base_version != version:
        stale = Problem(
            "$",
            f"the mappings changed to version {version} while you were editing; "
            "compare your text with it and save again",
        )
        return Edit(version, document, (stale,), text)
    try:
        parsed = mappings.parse_document(text)
        if parsed == document:  # saved without a change: no new version
            return Edit(version, document)
        new = await mappings.save(res, parsed, author=author, comment=comment or "Edited as JSON")
    except InvalidMappings as exc:
        return Edit(version, document, tuple(exc.problems), text)
    return Edit(new, await mappings.get_version(res, new))


def _existing(document: dict[str, Any], section: str, name: str) -> list[Any]:
    synonyms = document[section].get(name)
    if not isinstance(synonyms, list):
        raise _Refused(Problem(key_path(section, name), "this field no longer exists"))
    return synonyms


async def _apply(res: Resources, change: Change, *, author: str) -> Edit:
    version, document = await mappings.current(res)
    edited = copy.deepcopy(document)
    try:
        comment = change(edited)
    except _Refused as exc:
        return Edit(version, document, (exc.problem,))
    if edited == document:
        return Edit(version, document)
    try:
        note = comment[: mappings.MAX_COMMENT_CHARS]
        new = await mappings.save(res, edited, author=author, comment=note)
    except InvalidMappings as exc:
        return Edit(version, document, tuple(exc.problems))
    return Edit(new, rules.tidy(edited))
