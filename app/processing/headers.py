"""Mapping source headers to standard fields: normalised synonyms, fuzzy scores, value checks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from app.processing import fields as f
from app.processing.addresses import AddressPart, address_part
from app.processing.errors import ProcessingError
from app.processing.fields import standard_fields
from app.processing.values import dominant_kind, fit_share

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
        # whose or which address or contact detail: Salesforce's Mailing Street, Outlook's
        # Home Phone, Apollo's Person Linkedin Url
        "mailing",
        "billing",
        "shipping",
        "home",
        "person",
        "personal",
        "contact",
        "lead",
    ]
)
_WITH_FILLERS = 90

# The role a column's values make it, whatever its header says, and the words for them.
_KIND_ROLES = {
    "email": f.EMAIL,
    "domain": f.DOMAIN,
    "linkedin_person": f.PERSON_LINKEDIN,
    "linkedin_company": f.COMPANY_LINKEDIN,
    "phone": f.PHONE,
    "postal_code": f.POSTAL_CODE,
    "street": f.STREET,
}
_ROLE_KINDS = {role: kind for kind, role in _KIND_ROLES.items()}
_KIND_WORDS = {
    "email": "e-mail addresses",
    "domain": "web addresses",
    "linkedin_person": "LinkedIn profile URLs",
    "linkedin_company": "LinkedIn company URLs",
    "phone": "phone numbers",
    "postal_code": "postal codes",
    "street": "street addresses",
}
_POOR_FIT = 0.5  # a column named for a kind whose values mostly are not of it is flagged
_FIT_EVIDENCE = 5  # ... when it has at least this many values to judge by


@dataclass(frozen=True)
class HeaderMatch:
    """The standard field a source header maps to (None = unmapped) and the score 0-100 its
    name earned; what its values say (the share that fit the field), and a note when the
    values moved it, contradict it, or feed another field (an address part)."""

    field: str | None
    score: int
    note: str | None = None
    values_fit: float | None = None  # share of the sampled values that fit the field's kind
    feeds: str | None = None  # the field this column's values feed (address parts)

    def to_json(self) -> dict[str, Any]:
        """The contract's {"field", "score"} (plus "note", "values_fit", "feeds" when known)."""
        out: dict[str, Any] = {"field": self.field, "score": self.score}
        if self.note:
            out["note"] = self.note
        if self.values_fit is not None:
            out["values_fit"] = round(self.values_fit, 2)
        if self.feeds:
            out["feeds"] = self.feeds
        return out


@lru_cache(maxsize=1 << 14)
def header_words(header: str) -> list[str]:
    """Lowercase words of a header, splitting camelCase, snake_case and punctuation, and words
    run together in one case (Salesforce's BILLINGCITY, NUMBEROFEMPLOYEES)."""
    words = _NON_WORD.sub(" ", _CAMEL.sub(" ", header).lower()).split()
    return [part for word in words for part in _run_together(word)]


# The words lead tools' headers are made of, for splitting words run together.
_HEADER_VOCABULARY = frozenset(
    [
        "account",
        "address",
        "annual",
        "billing",
        "city",
        "code",
        "company",
        "country",
        "created",
        "date",
        "description",
        "email",
        "employees",
        "fax",
        "first",
        "full",
        "home",
        "industry",
        "job",
        "last",
        "linkedin",
        "mailing",
        "mobile",
        "name",
        "number",
        "of",
        "owner",
        "parent",
        "phone",
        "postal",
        "province",
        "region",
        "revenue",
        "shipping",
        "site",
        "source",
        "state",
        "status",
        "street",
        "symbol",
        "ticker",
        "title",
        "type",
        "url",
        "website",
        "zip",
    ]
)
_LONGEST_WORD = max(len(w) for w in _HEADER_VOCABULARY)


def _run_together(word: str) -> list[str]:
    """A word split into known header words when it is made of two or more of them."""
    if len(word) < 7 or word in _HEADER_VOCABULARY:
        return [word]
    # best[k]: the fewest known words that spell word[:k] (None when it cannot be spelled)
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - _LONGEST_WORD), end):
            before, piece = best[start], word[start:end]
            if before is not None and piece in _HEADER_VOCABULARY:
                candidate = [*before, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    found = best[-1]
    return found if found is not None and len(found) > 1 else [word]


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
    """Map each header to a standard field; one header per field, user overrides win.

    With samples (a column's non-empty values), values decide: a column of e-mails, phones,
    LinkedIn URLs, web addresses or postal codes takes that field whatever its header says,
    and a column without values never takes a field from one that has them.
    """
    result, taken = _apply_overrides(headers, overrides or {}, mappings, table_type)
    roles = f.field_roles(mappings, table_type)
    candidates = []
    parts = _address_parts(headers, result, mappings, table_type)
    for position, header in enumerate(headers):
        if header in result:
            continue
        values = samples.get(header) if samples is not None else None
        field, score = best_field(header, mappings, table_type)
        part = parts.get(header)
        if part is not None and (field is None or f.role_of(field, table_type) != part.role):
            if part.rank > min(p.rank for p in parts.values() if p.key == part.key):
                second = "kept as its own column: a second address (home, other, shipping)"
                result[header] = HeaderMatch(None, score, second)
            else:
                feeds = f"kept as its own column; feeds {part.field}"
                result[header] = HeaderMatch(None, score, feeds, feeds=part.field)
            continue
        named = field if score >= threshold else None
        target, note = _what_values_say(named, values, roles, table_type)
        empty = samples is not None and not values
        # columns with values first, then those whose header names the field, best first; of
        # equal scores the one spelling the field's own name ("Job Title" before "Title")
        own_name = named is not None and header_words(header) == header_words(named)
        rank = (empty, target != named, -score, not own_name, position)
        candidates.append((rank, header, target, named, score, note))
    for _, header, field, named, score, note in sorted(candidates, key=lambda c: c[0]):
        if field is None:
            result[header] = HeaderMatch(None, score, note)
            continue
        if field in taken and _keeps_its_name(named, field, taken, table_type):
            # the field its values name comes from elsewhere, and nothing in the values
            # contradicts what its header names (a count, a description): the header decides
            assert named is not None
            field, note = named, f"check: {(note or '').split(': ', 1)[-1]}"
        if field in taken:
            taken_note = f"{field} already comes from '{taken[field]}'"
            result[header] = HeaderMatch(
                None, score, f"{note}; {taken_note}" if note else taken_note
            )
            continue
        values = samples.get(header) if samples is not None else None
        fit = _values_fit(field, values, table_type)
        result[header] = HeaderMatch(field, score, note or _poor_fit_note(field, fit, values), fit)
        taken[field] = header
    _address_is_the_street(result, taken, mappings, table_type)
    return {h: result[h] for h in headers}


def _address_is_the_street(
    result: dict[str, HeaderMatch],
    taken: dict[str, str],
    mappings: Mapping[str, Any],
    table_type: str,
) -> None:
    """A plain "Address" column beside city, state or postal-code columns is the street: the
    file has the rest of the address apart."""
    roles = f.field_roles(mappings, table_type)
    street = roles.get(f.STREET)
    location = roles.get(f.LOCATION)
    if street is None or location is None or street in taken or location not in taken:
        return
    header = taken[location]
    if [w for w in header_words(header) if w not in _FILLERS] not in ([], ["address"]):
        return
    if result[header].note == "chosen by you":
        return
    parts_apart = any(m.feeds == location for m in result.values())
    if not parts_apart and roles.get(f.POSTAL_CODE) not in taken:
        return
    match = result[header]
    note = "the file has its city, state or postal code apart: this is the street"
    result[header] = HeaderMatch(street, match.score, note, match.values_fit)
    taken[street] = header
    del taken[location]


def _address_parts(
    headers: Sequence[str],
    chosen: Mapping[str, HeaderMatch],
    mappings: Mapping[str, Any],
    table_type: str,
) -> dict[str, AddressPart]:
    """The headers that name an address part (City, Mailing State), but those chosen by hand."""
    found = {}
    for header in headers:
        if header not in chosen:
            part = address_part(header_words(header), mappings, table_type)
            if part is not None:
                found[header] = part
    return found


def _keeps_its_name(
    named: str | None, moved_to: str, taken: Mapping[str, str], table_type: str
) -> bool:
    """Whether a column its values moved to a taken field goes back to its header's field:
    only when that field is free and names no kind of value of its own."""
    if named is None or named == moved_to or named in taken:
        return False
    return _ROLE_KINDS.get(f.role_of(named, table_type) or "") is None


def _what_values_say(
    named: str | None,
    values: Sequence[str] | None,
    roles: Mapping[str, str],
    table_type: str,
) -> tuple[str | None, str | None]:
    """(the field the column takes, a note) once its values are looked at."""
    kind = dominant_kind(values) if values else None
    if kind is None or kind not in _KIND_ROLES:
        return named, None
    role = f.role_of(named, table_type) if named is not None else None
    target = roles.get(_KIND_ROLES[kind])
    if role == _KIND_ROLES[kind] or target is None:
        return named, None
    seen = _KIND_WORDS[kind]
    if named is None:
        return target, f"chosen by its values: they are {seen}"
    return target, f"moved from {named}: the values are {seen}"


def _values_fit(field: str, values: Sequence[str] | None, table_type: str) -> float | None:
    kind = _ROLE_KINDS.get(f.role_of(field, table_type) or "")
    if kind is None or not values:
        return None
    return fit_share(kind, values)


def _poor_fit_note(field: str, fit: float | None, values: Sequence[str] | None) -> str | None:
    """A flag for a column named for a kind of value whose values mostly are not of it."""
    if fit is None or fit >= _POOR_FIT or len(values or ()) < _FIT_EVIDENCE:
        return None
    return f"check: only {fit:.0%} of the values fit {field}"


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
