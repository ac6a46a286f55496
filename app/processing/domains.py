"""Company domains and LinkedIn URLs in one canonical form, vectorised over Arrow columns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from encodings import idna
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import Column, as_array, lower, map_values, trim, where

DEFAULT_PREFIXES = ("www.", "www2.", "m.")
VALID_ASCII_DOMAIN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
VALID_DOMAIN = r"^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}$"
LINKEDIN_URL = (
    r"^(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/(in|pub|company|school|showcase)/"
    r"([^/?#\s]+)[/?#]?.*$"
)
_CANONICAL_HOST = "https://www.linkedin.com/"
_CANONICAL_URL = r"^https://www\.linkedin\.com/(?:in|pub|company|school|showcase)/[^/?#\s]+$"
_LINKEDIN_HOST = r"^(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/"
_EXTRA_PATH = r"^([a-z]+/[^/]+)/.*$"
COMPANY_HANDLE = r"^https://www\.linkedin\.com/(?:company|school|showcase)/([^/]+)$"
_NEEDS_IDNA = r"[^\x00-\x7f]|(?:^|\.)xn--"


def _prefix_alternatives(prefixes: Sequence[str]) -> str:
    hosts = [p for p in prefixes if "://" not in p and p.endswith(".")]
    return "|".join(re.escape(h[:-1]) for h in hosts) or "www"


def cleaning_prefixes(rules: Mapping[str, Any]) -> tuple[str, ...]:
    """The host prefixes (www., m., ...) the document's data_cleaning_rules say to remove."""
    prefixes = rules.get("domain_prefixes_to_remove")
    if isinstance(prefixes, list) and all(isinstance(p, str) for p in prefixes):
        return tuple(prefixes)
    return DEFAULT_PREFIXES


def clean_domains(column: Column, prefixes: Sequence[str] = DEFAULT_PREFIXES) -> pa.Array:
    """Bare lowercase host names; what is still not a domain keeps its original value."""
    original = as_array(column)
    lowered = lower(trim(original))
    hosts = _prefix_alternatives(prefixes)
    # Values that are already bare host names skip the rewriting (most of a real list).
    bare = pc.and_(
        is_valid_domain(lowered),
        pc.invert(pc.fill_null(pc.match_substring_regex(lowered, rf"^(?:{hosts})\."), False)),
    )
    messy = pc.and_(pc.is_valid(lowered), pc.invert(bare))
    cleaned = where(messy, lambda x: _rewrite_domains(x, hosts), lowered)
    return pc.if_else(pc.or_(bare, is_valid_domain(cleaned)), cleaned, original)


def _rewrite_domains(x: pa.Array, hosts: str) -> pa.Array:
    # Capture-group rewrites are slow in RE2, so each step is a mask and a plain deletion.
    x = where(pc.match_substring(x, "@"), _email_to_host, x)
    x = pc.replace_substring_regex(x, r"^(?:[a-z][a-z0-9+.\-]*:)?//(?:[^/@?#]*@)?", "")
    x = pc.replace_substring_regex(x, r"\.*(?::\d*)?(?:[/?#\\].*)?$", "")
    x = _delete_where(x, rf"^(?:{hosts})\.[^.]+\..+$", rf"^(?:{hosts})\.")
    needs_idna = pc.match_substring_regex(x, _NEEDS_IDNA)
    return map_values(x, to_unicode_host, where=needs_idna)


def _email_to_host(x: pa.Array) -> pa.Array:
    x = _delete_where(x, r"^mailto:[^@/\s:]+@[^@/\s]+\.[^@/\s]+$", r"^mailto:")
    return _delete_where(x, r"^[^@/\s:]+@[^@/\s]+\.[^@/\s]+$", r"^[^@]*@")


def _delete_where(array: pa.Array, where: str, pattern: str) -> pa.Array:
    mask = pc.fill_null(pc.match_substring_regex(array, where), False)
    return pc.if_else(mask, pc.replace_substring_regex(array, pattern, ""), array)


def to_unicode_host(host: str) -> str:
    """An internationalised host name in one form: lowercase Unicode (xn-- labels decoded)."""
    labels = []
    for label in host.split("."):
        try:
            text = idna.ToUnicode(label) if label.startswith("xn--") else label
        except UnicodeError:
            return host
        labels.append(unicodedata.normalize("NFC", text).lower())
    return ".".join(labels)


def is_valid_domain(column: Column) -> pa.Array:
    """True where the value is a plain host name (as clean_domains leaves valid ones)."""
    array = as_array(column)
    # Unicode classes make RE2 slow, so only the rare non-ASCII values take that pattern.
    valid = pc.fill_null(pc.match_substring_regex(array, VALID_ASCII_DOMAIN), False)
    wide = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
    if not pc.any(wide).as_py():
        return valid
    wide_valid = pc.fill_null(pc.match_substring_regex(array.filter(wide), VALID_DOMAIN), False)
    return pc.replace_with_mask(valid, wide, wide_valid)


def clean_linkedin(column: Column) -> pa.Array:
    """LinkedIn URLs as https://www.linkedin.com/<in|company>/<lowercase slug>; others kept."""
    original = as_array(column)
    lowered = lower(trim(original))
    matched = pc.fill_null(pc.match_substring_regex(lowered, LINKEDIN_URL), False)
    if not pc.any(matched).as_py():
        return original
    # Values already in the canonical form only needed lowercasing (most of a real list).
    final = pc.fill_null(pc.match_substring_regex(lowered, _CANONICAL_URL), False)
    messy = pc.and_(matched, pc.invert(final))
    cleaned = where(messy, _canonical_linkedin, lowered)
    return pc.if_else(matched, cleaned, original)


def _canonical_linkedin(urls: pa.Array) -> pa.Array:
    path = pc.replace_substring_regex(urls, _LINKEDIN_HOST, "")
    path = where(pc.match_substring_regex(path, r"[?#]"), _strip_query, path)
    path = where(pc.match_substring_regex(path, r"^[a-z]+/[^/]+/."), _strip_subpage, path)
    path = where(pc.ends_with(path, "/"), _strip_slashes, path)
    return pc.binary_join_element_wise(_CANONICAL_HOST, path, "")


def _strip_query(path: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(path, r"[?#].*$", "")


def _strip_subpage(path: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(path, _EXTRA_PATH, r"\1")


def _strip_slashes(path: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(path, r"/+$", "")


def linkedin_slug(column: Column, kinds: str) -> pa.Array:
    """The slug of canonical LinkedIn URLs of the given kinds ("in" or "company"), else null."""
    array = as_array(column)
    prefix = rf"^https://www\.linkedin\.com/(?:{kinds})/"
    matched = pc.fill_null(pc.match_substring_regex(array, prefix + "[^/]+$"), False)
    slug = pc.replace_substring_regex(array, prefix, "")
    return pc.if_else(matched, slug, pa.scalar(None, pa.string()))
