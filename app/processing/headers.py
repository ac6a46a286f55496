"""Mapping source headers to standard fields: normalised synonyms, fuzzy scores, value checks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from app.processing import fields as f
from app.processing.errors import ProcessingError
from app.processing.fields import standard_fields
from app.processing.values import dominant_kind

__all__ = ["HeaderMatch", "detect_mapping", "detect_table_type", "standard_fields"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9a-z\u00c0-\uffff]+")
# Typos are tolerated in long words only: "list" is not a misspelt "last".
_MIN_FUZZY_WORD = 5
_WORD_MATCH = 80
# Qualifiers a header may add to a synonym without changing its meaning ("Business Email").
_FILLERS = frozenset(
    [
        "url",
        "address",
        "type",
        "range",
        "primary",
        "main",
        "official",
        "work",
        "business",
        "number",
        "of",
        "the",
        "no",
        "total",
        "current",
    ]
)
_WITH_FILLERS = 90

# The role a column's values must fit, and the role they are moved to when they fit another.
_KIND_ROLES = {
    "email": f.EMAIL,
    "domain": f.DOMAIN,
    "linkedin_person": f.PERSON_LINKEDIN,
    "linkedin_company": f.COMPANY_LINKEDIN,
}
_KIND_WORDS = {
    "email": "e-mail addresses",
    "domain": "web addresses",
    "linkedin_person": "LinkedIn profile URLs",
    "linkedin_company": "LinkedIn company URLs",
}


@dataclass(frozen=True)
class HeaderMatch:
    """The standard field a source header maps to (None = unmapped) and the score 0-100."""

    field: str | None
    score: int
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract's {"field", "score"} (plus "note" when something was flagged)."""
        out: dict[str, Any] = {"field": self.field, "score": self.score}
        if self.note:
            out["note"] = self.note
        return out


def header_words(header: str) -> list[str]:
    """Lowercase words of a header, splitting camelCase, snake_case and punctuation."""
    return _NON_WORD.sub(" ", _CAMEL.sub(" ", header).lower()).split()


@lru_cache(maxsize=1 << 16)  # the same headers come back in every file of a list
def score_header(header: str, synonym: str) -> int:
    """100 for the same words after normalising; otherwise a typo- and order-tolerant score."""
    hw, sw = header_words(header), header_words(synonym)
    if not hw or not sw:
        return 0
    if "".join(hw) == "".join(sw):
        return 100
    core = [w for w in hw if w not in _FILLERS]
    if core and len(core) < len(hw) and "".join(core) == "".join(sw):
        return _WITH_FILLERS
    sort_score = fuzz.token_sort_ratio(" ".join(hw), " ".join(sw))
    per_word = [max(_word_score(w, s) for s in sw) for w in hw]
    return int(min(sort_score, sum(per_word) / len(per_word)))


def _word_score(word: str, other: str) -> float:
    if word == other:
        return 100.0
    if min(len(word), len(other)) < _MIN_FUZZY_WORD:
        return 0.0
    score = fuzz.ratio(word, other)
    return score if score >= _WORD_MATCH else 0.0


def best_field(header: str, mappings: Mapping[str, Any], table_type: str) -> tuple[str | None, int]:
    """The best-scoring standard field for one header (first in document order on ties)."""
    best: str | None = None
    best_score = 0
    for field, synonyms in mappings.get(f"{table_type}_mappings", {}).items():
        score = max((score_header(header, s) for s in [field, *synonyms]), default=0)
        if score > best_score:
            best, best_score = field, score
    return best, best_score


def detect_mapping(
    headers: Sequence[str],
    mappings: Mapping[str, Any],
    table_type: str,
    *,
    threshold: int = 85,
    overrides: Mapping[str, str | None] | None = None,
    samples: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, HeaderMatch]:
    """Map each header to a standard field; one header per field, user overrides win."""
    result, taken = _apply_overrides(headers, overrides or {}, mappings, table_type)
    roles = f.field_roles(mappings, table_type)
    candidates = []
    for position, header in enumerate(headers):
        if header in result:
            continue
        field, score = best_field(header, mappings, table_type)
        moved: tuple[str, str] | None = None
        if samples and field is not None and score >= threshold and header in samples:
            moved = _fit_values(field, samples[header], roles, table_type)
        # a column moved by its values ranks after one whose header names the field
        candidates.append(((-score, moved is not None, position), header, field, score, moved))
    for _, header, field, score, moved in sorted(candidates, key=lambda c: c[0]):
        if field is None or score < threshold:
            result[header] = HeaderMatch(None, score)
            continue
        note = None
        if moved is not None:
            target, seen = moved
            if target != field and target not in taken:
                field, note = target, f"moved from {field}: the values are {seen}"
            else:
                note = f"check: the values are {seen}"
        if field in taken:
            taken_note = f"{field} already comes from '{taken[field]}'"
            result[header] = HeaderMatch(
                None, score, f"{note}; {taken_note}" if note else taken_note
            )
        else:
            result[header] = HeaderMatch(field, score, note)
            taken[field] = header
    return {h: result[h] for h in headers}


def _apply_overrides(
    headers: Sequence[str],
    overrides: Mapping[str, str | None],
    mappings: Mapping[str, Any],
    table_type: str,
) -> tuple[dict[str, HeaderMatch], dict[str, str]]:
    """The user's choices (header -> field or None), and which header each field came from."""
    known = standard_fields(mappings, table_type)
    result: dict[str, HeaderMatch] = {}
    taken: dict[str, str] = {}
    for header, field in overrides.items():
        if header not in headers:
            continue
        if field is not None and field not in known:
            raise ProcessingError(f"'{field}' is not a {table_type} field.")
        if field is not None and field in taken:
            raise ProcessingError(
                f"'{field}' is chosen for two columns: '{taken[field]}' and '{header}'."
            )
        result[header] = HeaderMatch(field, 100, "chosen by you" if field else "ignored by you")
        if field is not None:
            taken[field] = header
    return result, taken


def _fit_values(
    field: str, values: Sequence[str], roles: Mapping[str, str], table_type: str
) -> tuple[str, str] | None:
    """(field the values fit, what they are) when the values contradict the header."""
    role = f.role_of(field, table_type)
    if role not in _KIND_ROLES.values():
        return None
    kind = dominant_kind(values)
    if kind is None or _KIND_ROLES[kind] == role:
        return None
    return roles.get(_KIND_ROLES[kind], field), _KIND_WORDS[kind]


def detect_table_type(headers: Sequence[str], mappings: Mapping[str, Any]) -> str:
    """ "people" or "company": whichever type's fields the headers fit better."""
    scores = {}
    for table_type in f.TABLE_TYPES:
        own = set(standard_fields(mappings, table_type))
        other = set().union(
            *(standard_fields(mappings, t) for t in f.TABLE_TYPES if t != table_type)
        )
        mapping = detect_mapping(headers, mappings, table_type)
        matched = [m for m in mapping.values() if m.field is not None]
        specific = sum(1 for m in matched if m.field not in other and m.field in own)
        scores[table_type] = (specific, len(matched), sum(m.score for m in matched))
    return "company" if scores["company"] > scores["people"] else "people"
