"""Cleaning the merged table: whitespace, domains, LinkedIn, e-mails, names; changes counted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.processing import fields as f
from app.processing.arrays import (
    Column,
    as_array,
    by_distinct,
    count_changed,
    count_filled,
    empty_to_null,
    first_bytes,
    string_bytes,
)
from app.processing.domains import clean_domains, clean_linkedin, cleaning_prefixes, linkedin_slug
from app.processing.names import split_full_names, title_case_names
from app.processing.values import PLACEHOLDERS

_INVISIBLE = r"[\x{200b}\x{200c}\x{200d}\x{2060}\x{feff}\x{00ad}]"
_SPACES = (
    r"[\s\x{0b}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"
)
_NEEDS_WHITESPACE = (
    r"^\s|\s$|\s\s|[\t\n\r\x{0b}\x{0c}]|[\x{85}\x{a0}\x{ad}\x{1680}\x{2000}-\x{200d}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{2060}\x{3000}\x{feff}]"
)

Progress = Callable[[int, int], None]
# The report's cleaning counts, one per step
COUNTS = (
    "whitespace_cleaned",
    "domains_cleaned",
    "linkedin_cleaned",
    "emails_cleaned",
    "names_cased",
    "names_filled",
    "handles_filled",
    "placeholders_cleared",
)
_WORKERS = 2
_PLACEHOLDER_CHARS = max(len(p) for p in PLACEHOLDERS)
_PLACEHOLDER_FIRST_BYTES = np.frombuffer(
    bytes(sorted({b for p in PLACEHOLDERS for b in {p.encode()[0], p.upper().encode()[0]}}))
    + b" \t",
    dtype=np.uint8,
)
_EXAMPLES = 5


@dataclass(frozen=True)
class CleanResult:
    """The cleaned table, how many cells each cleaning step changed, and examples of the
    placeholder values that were emptied ({"input_row", "field", "value"})."""

    table: pa.Table
    counts: dict[str, int]
    placeholders: list[dict[str, Any]] = field(default_factory=list)


def clear_placeholders(column: Column) -> tuple[pa.Array, pa.Array]:
    """The column with placeholder values (N/A, null, -, ?) emptied, and where they were."""
    array = as_array(column)
    # only short values whose first byte starts a placeholder are looked at closely
    starts = np.isin(first_bytes(array), _PLACEHOLDER_FIRST_BYTES)
    if not starts.any():
        return array, pa.array(starts)
    short = pc.and_(
        pa.array(starts),
        pc.fill_null(pc.less_equal(pc.binary_length(array), _PLACEHOLDER_CHARS * 4), False),
    )
    if not pc.any(short).as_py():
        return array, short
    values = pc.utf8_lower(pc.utf8_trim_whitespace(array.filter(short)))
    found = pc.is_in(values, value_set=pa.array(sorted(PLACEHOLDERS)))
    where = pc.replace_with_mask(pa.array(np.zeros(len(array), np.bool_)), short, found)
    if not pc.any(where).as_py():
        return array, where
    return pc.if_else(where, pa.scalar(None, pa.string()), array), where


def clean_whitespace(column: Column) -> pa.Array:
    """Trim and collapse whitespace (also non-breaking and zero-width); empty becomes null."""
    array = as_array(column)
    if array.null_count == len(array):
        return array
    suspects = _whitespace_suspects(array)
    if not suspects.any():
        return empty_to_null(array)
    at = np.flatnonzero(suspects)
    confirmed = pc.match_substring_regex(array.take(pa.array(at)), _NEEDS_WHITESPACE)
    suspects[at] = pc.fill_null(confirmed, False).to_numpy(zero_copy_only=False)
    if not suspects.any():
        return empty_to_null(array)
    needs = pa.array(suspects)
    subset = array.filter(needs)
    subset = pc.replace_substring_regex(subset, _INVISIBLE, "")
    subset = pc.replace_substring_regex(subset, _SPACES, " ")
    subset = pc.utf8_trim(subset, " ")
    return empty_to_null(pc.replace_with_mask(array, needs, subset))


def _whitespace_suspects(array: pa.Array) -> npt.NDArray[np.bool_]:
    """Rows that may need whitespace cleaning, a superset found from the raw bytes: control
    bytes, any non-ASCII byte (Unicode spaces), double spaces, a space at either end. Looking
    at bytes is several times faster than running the exact pattern on every value."""
    offsets, body = string_bytes(array)
    out = np.zeros(len(array), np.bool_)
    if len(body) == 0:
        return out
    space = body == 0x20
    flagged = (body < 0x20) | (body >= 0x80)
    flagged[:-1] |= space[:-1] & space[1:]
    at = np.flatnonzero(flagged)
    if len(at):
        out[np.searchsorted(offsets, at, side="right") - 1] = True
    filled = offsets[1:] > offsets[:-1]
    out[filled] |= space[offsets[:-1][filled]] | space[offsets[1:][filled] - 1]
    if array.null_count:
        out &= pc.is_valid(array).to_numpy(zero_copy_only=False)
    return out


def clean_emails(column: Column) -> pa.Array:
    """E-mail addresses lowercased, without a mailto: prefix or surrounding spaces."""
    array = as_array(column)
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(array))
    return empty_to_null(pc.replace_substring_regex(lowered, r"^mailto:", ""))


def clean_table(
    table: pa.Table,
    mappings: Mapping[str, Any],
    table_type: str,
    *,
    clean_domains_on: bool = True,
    normalize_on: bool = True,
    progress: Progress | None = None,
) -> CleanResult:
    """Apply the cleaning steps the options switch on, counting the cells each one changes."""
    rules = mappings.get("data_cleaning_rules") or {}
    columns = {name: as_array(table.column(name)) for name in table.column_names}
    counts = dict.fromkeys(COUNTS, 0)
    steps = len(columns) + 2
    if normalize_on and rules.get("normalize_whitespace", True) is not False:
        _clean_all_whitespace(columns, counts, progress, steps)

    def present(role: str) -> list[str]:
        return [c for c in f.fields_with_role(mappings, table_type, role) if c in columns]

    def apply(jobs: list[_Job]) -> None:
        work = [(name, fn, count) for role, fn, count in jobs for name in present(role)]
        with ThreadPoolExecutor(_WORKERS) as pool:
            results = pool.map(lambda job: _changed(columns[job[0]], job[1]), work)
            for (name, _, count), (array, changed) in zip(work, results, strict=True):
                counts[count] += changed
                columns[name] = array

    placeholders = _clear_all_placeholders(columns, counts)
    jobs = _column_jobs(rules, table_type, clean_domains_on, normalize_on)
    apply(jobs)
    if normalize_on:
        _fill_handles(columns, present, counts)
        _fill_names(columns, present, counts)
    if progress:
        progress(steps, steps)
    table = pa.table(list(columns.values()), names=list(columns))
    return CleanResult(table, counts, placeholders)


def _clear_all_placeholders(
    columns: dict[str, pa.Array], counts: dict[str, int]
) -> list[dict[str, Any]]:
    """Empty the placeholder values of every column; examples of what was emptied."""
    examples: list[dict[str, Any]] = []
    names = list(columns)
    with ThreadPoolExecutor(_WORKERS) as pool:
        for name, (cleared, where) in zip(
            names, pool.map(lambda n: clear_placeholders(columns[n]), names), strict=True
        ):
            found = int(pc.sum(where).as_py() or 0)
            if not found:
                continue
            counts["placeholders_cleared"] += found
            rows = pc.indices_nonzero(where).slice(0, _EXAMPLES)
            values = columns[name].take(rows).to_pylist()
            for row, value in zip(rows.to_pylist(), values, strict=True):
                if len(examples) < _EXAMPLES:
                    examples.append({"input_row": row + 1, "field": name, "value": value})
            columns[name] = cleared
    return examples


_Job = tuple[str, Callable[[Column], pa.Array], str]  # role, cleaning step, count it adds to


def _column_jobs(
    rules: Mapping[str, Any], table_type: str, clean_domains_on: bool, normalize_on: bool
) -> list[_Job]:
    """The per-column cleaning steps the options switch on."""

    def per_company(fn: Callable[[Column], pa.Array]) -> Callable[[Column], pa.Array]:
        # a people list repeats each company's values across its people
        return by_distinct(fn) if table_type == "people" else fn

    jobs: list[_Job] = []
    if clean_domains_on:
        prefixes = cleaning_prefixes(rules)
        domains = per_company(lambda c: clean_domains(c, prefixes))
        jobs.append((f.DOMAIN, domains, "domains_cleaned"))
    if normalize_on:
        jobs.append((f.PERSON_LINKEDIN, clean_linkedin, "linkedin_cleaned"))
        jobs.append((f.COMPANY_LINKEDIN, per_company(clean_linkedin), "linkedin_cleaned"))
        jobs.append((f.EMAIL, clean_emails, "emails_cleaned"))
        if (rules.get("standardize_case") or {}).get("names", "title_case") == "title_case":
            for role in (f.FIRST_NAME, f.LAST_NAME, f.FULL_NAME):
                jobs.append((role, title_case_names, "names_cased"))
    return jobs


def _clean_all_whitespace(
    columns: dict[str, pa.Array], counts: dict[str, int], progress: Progress | None, steps: int
) -> None:
    names = list(columns)
    with ThreadPoolExecutor(_WORKERS) as pool:  # Arrow kernels release the GIL
        cleaned = pool.map(lambda n: _changed(columns[n], clean_whitespace), names)
        for done, (name, (array, changed)) in enumerate(zip(names, cleaned, strict=True)):
            counts["whitespace_cleaned"] += changed
            columns[name] = array
            if progress:
                progress(done + 1, steps)


def _changed(array: pa.Array, fn: Callable[[Column], pa.Array]) -> tuple[pa.Array, int]:
    cleaned = fn(array)
    return cleaned, count_changed(array, cleaned)


def _fill_handles(
    columns: dict[str, pa.Array], present: Callable[[str], list[str]], counts: dict[str, int]
) -> None:
    handles, urls = present(f.LINKEDIN_HANDLE), present(f.COMPANY_LINKEDIN)
    if not handles or not urls:
        return
    slug = linkedin_slug(columns[urls[0]], "company|school|showcase")
    for name in handles:
        given = columns[name]
        from_url = linkedin_slug(clean_linkedin(given), "company|school|showcase")
        given = pc.if_else(pc.is_valid(from_url), from_url, given)
        filled = pc.if_else(pc.is_null(given), slug, given)
        counts["handles_filled"] += count_filled(columns[name], filled)
        columns[name] = filled


def _fill_names(
    columns: dict[str, pa.Array], present: Callable[[str], list[str]], counts: dict[str, int]
) -> None:
    firsts, lasts, fulls = present(f.FIRST_NAME), present(f.LAST_NAME), present(f.FULL_NAME)
    if not (firsts and lasts and fulls):
        return
    first, last, full = columns[firsts[0]], columns[lasts[0]], columns[fulls[0]]
    needs_full = pc.and_(pc.is_null(full), pc.or_(pc.is_valid(first), pc.is_valid(last)))
    new_full = full
    if pc.any(needs_full).as_py():
        # binary_join_element_wise(null_handling="skip") drops all-null rows (pyarrow 26).
        parts = [pc.fill_null(c.filter(needs_full), "") for c in (first, last)]
        joined = pc.utf8_trim(pc.binary_join_element_wise(*parts, " "), " ")
        new_full = pc.replace_with_mask(full, needs_full, joined)
    needs_parts = pc.and_(pc.is_valid(full), pc.and_(pc.is_null(first), pc.is_null(last)))
    new_first, new_last = first, last
    if pc.any(needs_parts).as_py():
        split_first, split_last = split_full_names(full.filter(needs_parts))
        new_first = pc.replace_with_mask(first, needs_parts, split_first)
        new_last = pc.replace_with_mask(last, needs_parts, split_last)
    for name, before, after in (
        (fulls[0], full, new_full),
        (firsts[0], first, new_first),
        (lasts[0], last, new_last),
    ):
        counts["names_filled"] += count_filled(before, after)
        columns[name] = after
