"""Matching keys: canonical e-mails, LinkedIn slugs, domains and name keys, null where unknown."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from app.processing import fields as f
from app.processing.arrays import as_array, by_distinct, empty_to_null, lower
from app.processing.domains import clean_domains, clean_linkedin, is_valid_domain, linkedin_slug
from app.processing.normalize import clean_emails, clean_whitespace
from app.processing.values import EMAIL_PATTERN

LEGAL_SUFFIXES = (
    "inc incorporated llc l l c ltd limited gmbh plc corp corporation co company ag sa sarl "
    "bv nv pty srl spa oy ab kk llp lp lc pc ug kg"
)
# ASCII and common typographic punctuation (Unicode classes are slow in RE2's automaton)
_PUNCTUATION = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\x{a0}-\x{bf}\x{2010}-\x{206f}]+"
_LEGAL_TAIL = r"(?: (?:" + "|".join(LEGAL_SUFFIXES.split()) + r"))+$"
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "comcast.net",
        "t-online.de",
        "free.fr",
        "orange.fr",
        "libero.it",
        "btinternet.com",
    ]
)


@dataclass(frozen=True)
class MatchKeys:
    """Key columns, one value per row (null = unknown), for the dedupe rules."""

    exact: dict[str, pa.Array]  # rule name -> key; equal keys join rows outright
    name: pa.Array | None  # person or company name key, for fuzzy comparison
    company_domain: pa.Array | None  # people: the employer's domain (website or e-mail)
    company_name: pa.Array | None  # people: the employer's name key


def _null() -> pa.Scalar:
    return pa.scalar(None, pa.string())


def text_key(column: pa.Array) -> pa.Array:
    """Lowercase words without punctuation, single spaces; null when nothing is left."""
    x = lower(clean_whitespace(column))
    x = pc.replace_substring_regex(x, r"&", " and ")
    x = pc.replace_substring_regex(x, _PUNCTUATION, " ")
    return empty_to_null(pc.utf8_trim(x, " "))


def company_name_key(column: pa.Array) -> pa.Array:
    """A company name for comparison: legal suffixes (Inc, LLC, GmbH...) and punctuation gone."""
    x = text_key(column)
    x = pc.replace_substring_regex(x, r"^the ", "")
    return empty_to_null(pc.replace_substring_regex(x, _LEGAL_TAIL, ""))


def person_name_key(
    full: pa.Array | None, first: pa.Array | None, last: pa.Array | None
) -> pa.Array:
    """A person's name for comparison: lowercase words, middle initials dropped."""
    size = len(next(c for c in (full, first, last) if c is not None))
    if full is None:
        key = pa.nulls(size, pa.string())
    else:  # full names repeat (duplicates, common names): each distinct one is keyed once
        key = by_distinct(lambda names: _without_initials(text_key(names)))(full)
    named = [c for c in (first, last) if c is not None]
    missing = pc.is_null(key)
    if named and pc.any(missing).as_py():  # after cleaning, only rows without any name
        parts = [pc.fill_null(text_key(c.filter(missing)), "") for c in named]
        from_parts = pc.utf8_trim(pc.binary_join_element_wise(*parts, " "), " ")
        key = pc.replace_with_mask(key, missing, _without_initials(empty_to_null(from_parts)))
    return key


def _without_initials(names: pa.Array) -> pa.Array:
    """Name keys with single-letter words dropped, unless nothing else is left."""
    without = pc.replace_substring_regex(names, r"(?:^| )[^ ](?: |$)", " ")
    without = pc.replace_substring_regex(without, r"(?:^| )[^ ](?: |$)", " ")
    single = empty_to_null(pc.utf8_trim(pc.replace_substring_regex(without, "  +", " "), " "))
    return pc.if_else(pc.is_valid(single), single, names)


def email_key(column: pa.Array, *, is_clean: bool = False) -> pa.Array:
    """Lowercase e-mail addresses; null where the value is not one."""
    cleaned = as_array(column) if is_clean else clean_emails(column)
    valid = pc.fill_null(pc.match_substring_regex(cleaned, EMAIL_PATTERN), False)
    return pc.if_else(valid, cleaned, _null())


def domain_key(column: pa.Array, *, is_clean: bool = False) -> pa.Array:
    """Bare host names; null where the value is not a domain."""
    cleaned = as_array(column) if is_clean else clean_domains(column)
    return pc.if_else(is_valid_domain(cleaned), cleaned, _null())


def email_domain(emails: pa.Array) -> pa.Array:
    """The company domain of work e-mail addresses (free-mail providers give null)."""
    host = pc.replace_substring_regex(emails, r"^[^@]*@", "")
    free = pc.is_in(host, value_set=pa.array(sorted(FREE_MAIL)))
    return pc.if_else(pc.fill_null(free, False), _null(), host)


def build_keys(
    table: pa.Table, mappings: Mapping[str, Any], table_type: str, *, is_clean: bool = False
) -> MatchKeys:
    """The match keys of a table of standard fields (is_clean: already through clean_table)."""

    def col(role: str) -> pa.Array | None:
        names = [
            c for c in f.fields_with_role(mappings, table_type, role) if c in table.column_names
        ]
        return as_array(table.column(names[0])) if names else None

    exact: dict[str, pa.Array] = {}
    domain = col(f.DOMAIN)
    if table_type == "company":
        domains = domain_key(domain, is_clean=is_clean) if domain is not None else None
        if domains is not None:
            exact["domain"] = domains
        slug = _company_slug(col(f.COMPANY_LINKEDIN), col(f.LINKEDIN_HANDLE), is_clean)
        if slug is not None:
            exact["linkedin"] = slug
        name = col(f.COMPANY_NAME)
        return MatchKeys(exact, company_name_key(name) if name is not None else None, None, None)
    full, first, last = col(f.FULL_NAME), col(f.FIRST_NAME), col(f.LAST_NAME)
    # the two name keys are built in threads, beside the exact keys
    with ThreadPoolExecutor(2) as pool:
        name_job = None
        if any(c is not None for c in (full, first, last)):
            name_job = pool.submit(person_name_key, full, first, last)
        email, linkedin, company = col(f.EMAIL), col(f.PERSON_LINKEDIN), col(f.COMPANY_NAME)
        company_job = None
        if company is not None:  # a people list repeats each company's name across its people
            company_job = pool.submit(by_distinct(company_name_key), company)
        domains = domain_key(domain, is_clean=is_clean) if domain is not None else None
        emails = email_key(email, is_clean=is_clean) if email is not None else None
        if linkedin is not None:
            canonical = linkedin if is_clean else clean_linkedin(linkedin)
            exact["linkedin"] = linkedin_slug(canonical, "in|pub")
        if emails is not None:
            exact["email"] = emails
        company_name = company_job.result() if company_job is not None else None
        company_domain = domains
        if emails is not None:
            from_email = email_domain(emails)
            company_domain = from_email if domains is None else pc.coalesce(domains, from_email)
        name = name_job.result() if name_job is not None else None
    return MatchKeys(exact, name, company_domain, company_name)


def _company_slug(url: pa.Array | None, handle: pa.Array | None, is_clean: bool) -> pa.Array | None:
    slug = None
    if url is not None:
        slug = linkedin_slug(url if is_clean else clean_linkedin(url), "company|school|showcase")
    if handle is None:
        return slug
    handles = pc.utf8_lower(pc.utf8_trim_whitespace(handle))
    plain = pc.fill_null(
        pc.match_substring_regex(handles, r"^[\p{L}\p{N}][\p{L}\p{N}_.-]*$"), False
    )
    handles = pc.if_else(plain, handles, _null())
    return handles if slug is None else pc.if_else(pc.is_valid(slug), slug, handles)
