"""The mappings document's rules: validation with paths into it, and diffs between versions."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

TABLE_SECTIONS = {"company": "company_mappings", "people": "people_mappings"}
RULES_SECTION = "data_cleaning_rules"
SECTIONS = (*TABLE_SECTIONS.values(), RULES_SECTION)
CASE_STYLES = ("lowercase", "uppercase", "title_case", "none")
CASE_TARGETS = ("domains", "names")
MAX_NAME_CHARS = 100
MAX_SYNONYM_CHARS = 200
MAX_FIELDS = 300
MAX_SYNONYMS = 300
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: where (a path into it) and why."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def key_path(*parts: str | int) -> str:
    """`people_mappings["Email"][2]`: the first key bare, later keys quoted, indexes plain."""
    head, *rest = parts
    out = str(head)
    for part in rest:
        out += f"[{part}]" if isinstance(part, int) else f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def field_key(name: str) -> str:
    """A field name reduced to lowercase words joined by "-": unique per table, and an HTML id."""
    return "-".join(_WORD.findall(name.casefold()))


def fold(text: str) -> str:
    """The form two names are compared in: case- and whitespace-insensitive."""
    return " ".join(text.split()).casefold()


def validate(document: Any) -> list[Problem]:
    """Every problem in a complete mappings document; an empty list means it is valid."""
    if not isinstance(document, dict):
        return [Problem("$", "the document must be a JSON object")]
    problems = [
        Problem(key_path(key), f"unknown top-level key; expected one of {', '.join(SECTIONS)}")
        for key in document
        if key not in SECTIONS
    ]
    for section in TABLE_SECTIONS.values():
        problems += _check_table(section, document.get(section))
    problems += _check_rules(document.get(RULES_SECTION))
    return problems


def _check_table(section: str, table: Any) -> list[Problem]:
    if not isinstance(table, dict):
        return [Problem(section, "must be an object of field name -> list of synonyms")]
    if not table:
        return [Problem(section, "needs at least one field")]
    if len(table) > MAX_FIELDS:
        return [Problem(section, f"has {len(table)} fields; at most {MAX_FIELDS} are allowed")]
    problems: list[Problem] = []
    names: dict[str, str] = {}
    # The matcher treats a field's name as one of its synonyms, so names are taken too.
    owners = {fold(name): key_path(section, name) for name in reversed(table)}
    for name, synonyms in table.items():
        problems += _check_name(section, name, names)
        problems += _check_synonyms(section, name, synonyms, owners)
    return problems


def _check_name(section: str, name: str, names: dict[str, str]) -> list[Problem]:
    path = key_path(section, name)
    if not name.strip():
        return [Problem(path, "the field name is empty")]
    if len(name) > MAX_NAME_CHARS:
        return [Problem(path, f"the field name is longer than {MAX_NAME_CHARS} characters")]
    if not field_key(name):
        return [Problem(path, "the field name needs at least one letter or digit")]
    other = names.setdefault(field_key(name), name)
    if other != name:
        return [
            Problem(path, f'the same field as "{other}" apart from case, spaces or punctuation')
        ]
    return []


def _check_synonyms(
    section: str, name: str, synonyms: Any, owners: dict[str, str]
) -> list[Problem]:
    path = key_path(section, name)
    if not isinstance(synonyms, list):
        return [Problem(path, "synonyms must be a list of non-empty strings")]
    if len(synonyms) > MAX_SYNONYMS:
        return [Problem(path, f"has {len(synonyms)} synonyms; at most {MAX_SYNONYMS} are allowed")]
    problems: list[Problem] = []
    for index, synonym in enumerate(synonyms):
        here = key_path(section, name, index)
        if not (isinstance(synonym, str) and synonym.strip()):
            problems.append(Problem(here, "a synonym must be a non-empty string"))
        elif len(synonym) > MAX_SYNONYM_CHARS:
            problems.append(Problem(here, f"longer than {MAX_SYNONYM_CHARS} characters"))
        elif owners.setdefault(fold(synonym), here) not in (here, path):
            problems.append(
                Problem(here, f'"{synonym}" is already listed at {owners[fold(synonym)]}')
            )
    return problems


def _check_rules(rules: Any) -> list[Problem]:
    if not isinstance(rules, dict):
        return [Problem(RULES_SECTION, "must be an object of cleaning rules")]
    problems: list[Problem] = []
    for rule, value in rules.items():
        path = key_path(RULES_SECTION, rule)
        checker = _RULE_CHECKS.get(rule)
        if checker is None:
            known = ", ".join(_RULE_CHECKS)
            problems.append(Problem(path, f"unknown cleaning rule; expected one of {known}"))
        else:
            problems += checker(path, value)
    return problems


def _check_text_list(path: str, value: Any) -> list[Problem]:
    if not isinstance(value, list):
        return [Problem(path, "must be a list of non-empty strings")]
    return [
        Problem(f"{path}[{index}]", "must be a non-empty string")
        for index, item in enumerate(value)
        if not (isinstance(item, str) and item)
    ]


def _check_flag(path: str, value: Any) -> list[Problem]:
    return [] if isinstance(value, bool) else [Problem(path, "must be true or false")]


def _check_case(path: str, value: Any) -> list[Problem]:
    if not isinstance(value, dict):
        return [Problem(path, f"must be an object with keys {', '.join(CASE_TARGETS)}")]
    problems = []
    for target, style in value.items():
        here = f"{path}[{json.dumps(target, ensure_ascii=False)}]"
        if target not in CASE_TARGETS:
            problems.append(Problem(here, f"unknown target; expected {', '.join(CASE_TARGETS)}"))
        elif style not in CASE_STYLES:
            problems.append(Problem(here, f"must be one of {', '.join(CASE_STYLES)}"))
    return problems


_RULE_CHECKS = {
    "domain_prefixes_to_remove": _check_text_list,
    "domain_suffixes_to_remove": _check_text_list,
    "normalize_whitespace": _check_flag,
    "remove_extra_spaces": _check_flag,
    "standardize_case": _check_case,
}


def complete(given: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The given sections, plus the base's copy of each known section the given one omits."""
    merged = {
        key: given[key] if key in given else copy.deepcopy(base[key])
        for key in SECTIONS
        if key in given or key in base
    }
    return merged | {key: value for key, value in given.items() if key not in SECTIONS}


def tidy(document: dict[str, Any]) -> dict[str, Any]:
    """A valid document with field names and synonyms stripped of outer whitespace."""
    out = copy.deepcopy(document)
    for section in TABLE_SECTIONS.values():
        out[section] = {
            name.strip(): [synonym.strip() for synonym in synonyms]
            for name, synonyms in document[section].items()
        }
    return out


@dataclass(frozen=True)
class FieldChange:
    """A field that exists on both sides, with the synonyms it gained and lost."""

    field: str
    synonyms_added: tuple[str, ...] = ()
    synonyms_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDiff:
    """What changed in one table type's fields."""

    table_type: str
    fields_added: tuple[FieldChange, ...] = ()
    fields_removed: tuple[FieldChange, ...] = ()
    fields_changed: tuple[FieldChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.fields_added or self.fields_removed or self.fields_changed)


@dataclass(frozen=True)
class RuleChange:
    """A cleaning rule that was added (old None), removed (new None) or changed."""

    rule: str
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        return "added" if self.old is None else "removed" if self.new is None else "changed"


@dataclass(frozen=True)
class MappingDiff:
    """Everything that differs between two documents."""

    tables: tuple[TableDiff, ...] = ()
    rules: tuple[RuleChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return all(table.is_empty for table in self.tables) and not self.rules


def diff(old: dict[str, Any], new: dict[str, Any]) -> MappingDiff:
    """Fields added/removed, synonyms added/removed per field, cleaning rule changes."""
    tables = tuple(
        _diff_table(table_type, old.get(section) or {}, new.get(section) or {})
        for table_type, section in TABLE_SECTIONS.items()
    )
    old_rules, new_rules = old.get(RULES_SECTION) or {}, new.get(RULES_SECTION) or {}
    rules = tuple(
        RuleChange(rule, old_rules.get(rule), new_rules.get(rule))
        for rule in [*old_rules, *(r for r in new_rules if r not in old_rules)]
        if old_rules.get(rule) != new_rules.get(rule)
    )
    return MappingDiff(tables, rules)


def _diff_table(table_type: str, old: dict[str, Any], new: dict[str, Any]) -> TableDiff:
    changed = []
    for name in (n for n in new if n in old):
        added = tuple(s for s in new[name] if s not in old[name])
        removed = tuple(s for s in old[name] if s not in new[name])
        if added or removed:
            changed.append(FieldChange(name, added, removed))
    return TableDiff(
        table_type,
        fields_added=tuple(FieldChange(n, tuple(new[n])) for n in new if n not in old),
        fields_removed=tuple(FieldChange(n, (), tuple(old[n])) for n in old if n not in new),
        fields_changed=tuple(changed),
    )
