"""What each standard field means to the pipeline, read from its name in the mappings document."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TABLE_TYPES = ("company", "people")

EMAIL = "email"
PHONE = "phone"
DOMAIN = "domain"
PERSON_LINKEDIN = "person_linkedin"
COMPANY_LINKEDIN = "company_linkedin"
LINKEDIN_HANDLE = "linkedin_handle"
FIRST_NAME = "first_name"
LAST_NAME = "last_name"
FULL_NAME = "full_name"
COMPANY_NAME = "company_name"
STREET = "street"
POSTAL_CODE = "postal_code"
LOCATION = "location"  # the person's (people) or the company's (company) location
COMPANY_LOCATION = "company_location"  # the employer's location in a people table
JOB_TITLE = "job_title"

_WORDS = re.compile(r"[a-z0-9]+")


def _words(name: str) -> list[str]:
    return _WORDS.findall(name.lower().replace("e-mail", "email"))


def role_of(field: str, table_type: str) -> str | None:
    """The role a standard field plays (e-mail, domain, LinkedIn, a name part), if any."""
    words = _words(field)
    text = " ".join(words)
    if "linkedin" in words:
        if "handle" in words or "slug" in words or "username" in words:
            return LINKEDIN_HANDLE
        is_company = "company" in words or table_type == "company"
        return COMPANY_LINKEDIN if is_company else PERSON_LINKEDIN
    if "email" in words:
        return EMAIL
    if "phone" in words:
        return PHONE
    if {"postal", "zip", "postcode"} & set(words):
        return POSTAL_CODE
    if "street" in words:
        return STREET
    if "location" in words:
        return COMPANY_LOCATION if "company" in words and table_type == "people" else LOCATION
    if "domain" in words or "website" in words:
        return DOMAIN
    roles = {
        "first name": FIRST_NAME,
        "last name": LAST_NAME,
        "full name": FULL_NAME,
        "company name": COMPANY_NAME,
        "job title": JOB_TITLE,
        "title": JOB_TITLE,
    }
    return roles.get(text)


def standard_fields(mappings: Mapping[str, Any], table_type: str) -> list[str]:
    """The standard fields of a table type, in the document's order."""
    if table_type not in TABLE_TYPES:
        raise ValueError(f"unknown table type {table_type!r}")
    return list(mappings.get(f"{table_type}_mappings", {}))


def field_roles(mappings: Mapping[str, Any], table_type: str) -> dict[str, str]:
    """Role -> the first standard field in document order that plays it."""
    roles: dict[str, str] = {}
    for field in standard_fields(mappings, table_type):
        role = role_of(field, table_type)
        if role is not None and role not in roles:
            roles[role] = field
    return roles


def fields_with_role(mappings: Mapping[str, Any], table_type: str, role: str) -> list[str]:
    """Every standard field that plays a role (a table may have two domain fields)."""
    return [f for f in standard_fields(mappings, table_type) if role_of(f, table_type) == role]
