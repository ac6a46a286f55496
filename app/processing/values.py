"""Recognising what a value is (an e-mail, a web address, a LinkedIn URL) from its text."""

from __future__ import annotations

import re
from collections.abc import Sequence

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"
_EMAIL = re.compile(r"^(?:mailto:)?[^@\s/]+@[^@\s/]+\.[^@\s./]{2,}$", re.IGNORECASE)
_LINKEDIN_PERSON = re.compile(r"linkedin\.com/(?:in|pub)/", re.IGNORECASE)
_LINKEDIN_COMPANY = re.compile(r"linkedin\.com/(?:company|school|showcase)/", re.IGNORECASE)
_WEB = re.compile(
    r"^(?:https?://)?(?:www\d?\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\.?(?::\d+)?(?:[/?#]\S*)?$",
    re.IGNORECASE,
)
_DOMINANT_SHARE = 0.6
_SAMPLE = 200


def kind_of(value: str) -> str:
    """ "email", "linkedin_person", "linkedin_company", "domain" or "other"."""
    value = value.strip()
    if _LINKEDIN_PERSON.search(value):
        return "linkedin_person"
    if _LINKEDIN_COMPANY.search(value):
        return "linkedin_company"
    if _EMAIL.match(value):
        return "email"
    if _WEB.match(value):
        return "domain"
    return "other"


def dominant_kind(values: Sequence[str | None]) -> str | None:
    """The recognisable kind most sample values share, or None when there is none."""
    kinds = [kind_of(v) for v in values[:_SAMPLE] if v and v.strip()]
    if not kinds:
        return None
    best = max(set(kinds), key=lambda k: (kinds.count(k), k))
    if best == "other" or kinds.count(best) < _DOMINANT_SHARE * len(kinds):
        return None
    return best
