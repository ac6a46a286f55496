"""Recognising what a value is (an e-mail, a web address, a LinkedIn URL, a phone number, a
postal code) from its text."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"
_EMAIL = re.compile(r"^(?:mailto:)?[^@\s/]+@[^@\s/]+\.[^@\s./]{2,}$", re.IGNORECASE)
# Sales Navigator links (/sales/lead/, /sales/company/) name a person or a company too.
_LINKEDIN_PERSON = re.compile(r"linkedin\.com/(?:in|pub|sales/lead|sales/people)/", re.IGNORECASE)
_LINKEDIN_COMPANY = re.compile(
    r"linkedin\.com/(?:company|school|showcase|sales/company)/", re.IGNORECASE
)
_WEB = re.compile(
    r"^(?:https?://)?(?:www\d?\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\.?(?::\d+)?(?:[/?#]\S*)?$",
    re.IGNORECASE,
)
# A phone number with its formatting: a leading + or separators between digit groups. Bare
# digit strings are ids, amounts or years as often as phones, so they only confirm a phone
# column (fits), never make one.
_FORMATTED_PHONE = re.compile(
    r"^(?:tel:)?(?:\+|00)?\s*(?:\(?\d{1,5}\)?[\s.\-/]+)+\d{2,}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?$"
    r"|^(?:tel:)?\+\d{8,15}$",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:[ T].*)?$"
)
_BARE_PHONE = re.compile(r"^\d{7,15}$")
_PHONE_DIGITS = (8, 15)
# Postal codes whose shape says what they are (US ZIP+4, UK, Canada, the Netherlands, Brazil);
# bare 4- or 5-digit codes only confirm a postal-code column. (Poland's 00-000 is left out: it
# is also how employee ranges are written, 51-200.)
_POSTAL = re.compile(
    r"^(?:\d{5}-\d{4}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4} ?[A-Z]{2}"
    r"|\d{5}-\d{3})$",
    re.IGNORECASE,
)
_BARE_POSTAL = re.compile(r"^\d{4,5}$")
# A street address: a house number, words, and a street word ("3243 Sunset Avenue", "12 Main
# St., Suite 4"); "Austin, TX" or a company name is not one.
_STREET = re.compile(
    r"^\d+[a-z]?(?:-\d+)?,?\s+(?:[\w.'-]+\s+)*?(?:st|street|ave|avenue|av|rd|road|blvd|boulevard|"
    r"dr|drive|ln|lane|way|pl|place|ct|court|pkwy|parkway|hwy|highway|sq|square|ter|terrace|"
    r"cir|circle|loop|trail|trl|plaza|row|close|crescent|cres|walk|pike|broadway)\b\.?"
    # a unit may follow; a city, state or postal code (a full address) may not
    r"(?:\s*,?\s*(?:suite|ste|apt|apartment|unit|floor|fl|room|rm|bldg|building|#)\.?\s*\w+)?$",
    re.IGNORECASE,
)
_HOME_PAGE = re.compile(r"^(?:https?://)?[^/?#\s]+/?$", re.IGNORECASE)
_DOMINANT_SHARE = 0.6
_SAMPLE = 200
# What people type into a cell that has no value. Never a domain, an e-mail or a name: they
# become empty. ("NA" stays: it is also a surname and a region.)
PLACEHOLDERS = frozenset(
    [
        "n/a",
        "n.a.",
        "#n/a",
        "none",
        "null",
        "-",
        "--",
        "---",
        "\u2014",
        "\u2013",
        "?",
        "??",
        "unknown",
        "not available",
        "not provided",
        "(blank)",
        "(none)",
        "tbd",
    ]
)
_PLACEHOLDER_VALUES = pa.array(sorted(PLACEHOLDERS))
KINDS = (
    "email",
    "linkedin_person",
    "linkedin_company",
    "domain",
    "phone",
    "postal_code",
    "street",
)


def kind_of(value: str) -> str:
    """One of KINDS, or "other"."""
    value = value.strip()
    if _LINKEDIN_PERSON.search(value):
        return "linkedin_person"
    if _LINKEDIN_COMPANY.search(value):
        return "linkedin_company"
    if _EMAIL.match(value):
        return "email"
    if _WEB.match(value):
        # a page deeper than the home page (an image, a profile, a tracking link) fits a
        # website column but does not make one
        return "domain" if _HOME_PAGE.match(value) else "web_page"
    if _POSTAL.match(value):
        return "postal_code"
    if _STREET.match(value):
        return "street"
    if _FORMATTED_PHONE.match(value) and _is_phone_length(value) and not _DATE.match(value):
        return "phone"
    return "other"


def _is_phone_length(value: str) -> bool:
    digits = sum(c.isdigit() for c in value.split("x")[0].split("#")[0])
    return _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]


def fits(kind: str, value: str) -> bool:
    """Whether a value fits a column of that kind (bare digits fit phone and postal columns)."""
    value = value.strip()
    found = kind_of(value)
    if found == kind:
        return True
    if kind == "phone":
        return _BARE_PHONE.match(value) is not None
    if kind == "postal_code":
        return _BARE_POSTAL.match(value) is not None
    return kind == "domain" and found in ("web_page", "linkedin_company")


def fit_share(kind: str, values: Sequence[str | None]) -> float | None:
    """The share of the non-empty sample values that fit the kind (None without values)."""
    filled = [v for v in values[:_SAMPLE] if v and v.strip()]
    if not filled:
        return None
    return sum(fits(kind, v) for v in filled) / len(filled)


def value_samples(
    table: pa.Table, headers: Sequence[str], *, rows: int = 5000
) -> dict[str, list[str]]:
    """Up to 200 non-empty values of each column, from the first rows (evidence for mapping)."""
    head = table.slice(0, rows)
    out = {}
    for header in headers:
        column = head.column(header)
        trimmed = pc.utf8_lower(pc.utf8_trim_whitespace(column))
        # a placeholder (N/A, -) is no value: it is emptied later and says nothing now
        real = pc.and_(
            pc.not_equal(trimmed, ""), pc.invert(pc.is_in(trimmed, pa.array(sorted(PLACEHOLDERS))))
        )
        out[header] = column.filter(pc.fill_null(real, False)).slice(0, _SAMPLE).to_pylist()
    return out


def dominant_kind(values: Sequence[str | None]) -> str | None:
    """The recognisable kind most sample values share, or None when there is none."""
    kinds = [kind_of(v) for v in values[:_SAMPLE] if v and v.strip()]
    if not kinds:
        return None
    best = max(set(kinds), key=lambda k: (kinds.count(k), k))
    if best == "other" or kinds.count(best) < _DOMINANT_SHARE * len(kinds):
        return None
    return best
