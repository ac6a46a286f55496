"""The values rows are compared on, in their comparison forms, one column per feature."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.processing import fields as f
from app.processing import variants as v
from app.processing.arrays import as_array, by_distinct, by_distinct_pair, empty_to_null
from app.processing.domains import clean_domains, clean_linkedin, is_valid_domain, linkedin_slug

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Features:
    """Feature name -> one comparison-form value per row (null = unknown)."""

    table_type: str
    columns: dict[str, pa.Array]
    size: int
    _codes: dict[str, IntArray] = field(default_factory=dict, compare=False, repr=False)

    def get(self, name: str) -> pa.Array | None:
        """The feature's column, or None when no row has a value."""
        return self.columns.get(name)

    def replaced(self, columns: Mapping[str, pa.Array]) -> Features:
        """The same features with some columns replaced."""
        return Features(self.table_type, {**self.columns, **columns}, self.size)

    def dictionary(self, name: str) -> pa.Array:
        """The distinct values of a feature, in the order of their codes."""
        column = self.columns.get(name)
        if column is None:
            return pa.array([], pa.string())
        return pc.dictionary_encode(column).dictionary

    def codes(self, name: str) -> IntArray:
        """Integer codes of a feature's values (equal values, equal codes; -1 = unknown)."""
        cached = self._codes.get(name)
        if cached is not None:
            return cached
        column = self.columns.get(name)
        if column is None:
            codes = np.full(self.size, -1, np.int64)
        else:
            encoded = pc.cast(pc.dictionary_encode(column).indices, pa.int64())
            codes = pc.fill_null(encoded, -1).to_numpy()
        self._codes[name] = codes
        return codes


def build_features(
    table: pa.Table, mappings: Mapping[str, Any], table_type: str, *, is_clean: bool = False
) -> Features:
    """The comparison features of a table of standard fields."""

    def col(role: str) -> pa.Array | None:
        names = [
            c for c in f.fields_with_role(mappings, table_type, role) if c in table.column_names
        ]
        return as_array(table.column(names[0])) if names else None

    out: dict[str, pa.Array | None] = {}
    with ThreadPoolExecutor(2) as pool:  # Arrow kernels release the interpreter lock
        jobs = {}
        phone, street, postal = col(f.PHONE), col(f.STREET), col(f.POSTAL_CODE)
        location = col(f.LOCATION)
        if phone is not None:
            jobs["phone"] = pool.submit(by_distinct(v.phone_key), phone)
            jobs["phone_lead"] = pool.submit(by_distinct(v.phone_lead), phone)
        if postal is not None:
            jobs["postal"] = pool.submit(v.postal_key, postal)
        if location is not None:
            jobs["city"] = pool.submit(by_distinct(_city), location)
        if street is not None:
            street_form, number = by_distinct_pair(v.street_parts, street)
            out["street"], out["street_number"] = street_form, number
        if table_type == "company":
            _company_features(out, col, is_clean)
        else:
            _people_features(out, col, is_clean, pool)
        for name, job in jobs.items():
            out[name] = job.result()
    columns = {k: c for k, c in out.items() if c is not None and c.null_count < len(c)}
    return Features(table_type, columns, table.num_rows)


def _city(location: pa.Array) -> pa.Array:
    """The city of a location ("Austin, TX, United States" -> "austin")."""
    first = pc.replace_substring_regex(location, ",.*$", "")
    return v.place_key(first)


def _company_features(out: dict[str, pa.Array | None], col: Any, is_clean: bool) -> None:
    name = col(f.COMPANY_NAME)
    if name is not None:
        core, branch = by_distinct_pair(v.company_parts, name)
        out["name"], out["branch"] = core, branch
        # what tells a name apart first: blocks by it, and typos must keep it
        out["first_word"] = pc.replace_substring_regex(core, " .*$", "")
        # the site: the name with its branch ("clinic ii"), what a listing names
        with_branch = pc.binary_join_element_wise(core, pc.fill_null(branch, ""), " ")
        out["site"] = pc.utf8_trim(pc.coalesce(with_branch, core), " ")
    domain = col(f.DOMAIN)
    if domain is not None:
        out["domain"] = _domains(domain, is_clean)
    url, handle = col(f.COMPANY_LINKEDIN), col(f.LINKEDIN_HANDLE)
    slug = None
    if url is not None:
        slug = linkedin_slug(url if is_clean else clean_linkedin(url), "company|school|showcase")
    if handle is not None:
        plain = pc.utf8_lower(pc.utf8_trim_whitespace(handle))
        slug = plain if slug is None else pc.coalesce(slug, empty_to_null(plain))
    out["linkedin"] = slug


def _people_features(
    out: dict[str, pa.Array | None], col: Any, is_clean: bool, pool: ThreadPoolExecutor
) -> None:
    full, first, last = col(f.FULL_NAME), col(f.FIRST_NAME), col(f.LAST_NAME)
    if any(c is not None for c in (full, first, last)):
        out["given"], out["surname"] = v.person_name_parts(full, first, last)
        out["generation"] = v.generation(full, last)
    company = col(f.COMPANY_NAME)
    company_job = None
    if company is not None:  # a people list repeats each company's name across its people
        company_job = pool.submit(by_distinct_pair, v.company_parts, company)
    email = col(f.EMAIL)
    work_domain = None
    if email is not None:
        address, domain, role = v.email_parts(email)
        out["email"] = address
        out["email_role"] = pc.if_else(role, address, pa.scalar(None, pa.string()))
        out["email_personal"] = pc.if_else(role, pa.scalar(None, pa.string()), address)
        free = pc.fill_null(pc.is_in(domain, value_set=pa.array(sorted(v.FREE_MAIL))), False)
        work_domain = pc.if_else(free, pa.scalar(None, pa.string()), domain)
    website = col(f.DOMAIN)
    domains = _domains(website, is_clean) if website is not None else None
    if domains is not None or work_domain is not None:
        known = [d for d in (domains, work_domain) if d is not None]
        out["company_domain"] = pc.coalesce(*known) if len(known) > 1 else known[0]
    linkedin = col(f.PERSON_LINKEDIN)
    if linkedin is not None:
        canonical = linkedin if is_clean else clean_linkedin(linkedin)
        out["linkedin"] = linkedin_slug(canonical, "in|pub")
    title = col(f.JOB_TITLE)
    if title is not None:
        out["title"] = by_distinct(v.words)(title)
    if company_job is not None:
        out["company"] = company_job.result()[0]


def _domains(column: pa.Array, is_clean: bool) -> pa.Array:
    cleaned = as_array(column) if is_clean else clean_domains(column)
    return pc.if_else(is_valid_domain(cleaned), cleaned, pa.scalar(None, pa.string()))
