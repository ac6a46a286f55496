"""Company domains and LinkedIn URLs in one canonical form, vectorised over Arrow columns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from encodings import idna
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import Column, as_array, map_values

DEFAULT_PREFIXES = ("www.", "www2.", "m.")
VALID_DOMAIN = r"^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}$"
LINKEDIN_URL = (
    r"^(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/(in|pub|company|school|showcase)/"
    r"([^/?#\s]+)[/?#]?.*$"
)
CANONICAL_LINKEDIN = r"https://www.linkedin.com/\1/\2"
COMPANY_HANDLE = r"^https://www\.linkedin\.com/(?:company|school|showcase)/([^/]+)$"
_NEEDS_IDNA = r"[^\x00-\x7f]|(?:^|\.)xn--"


def _prefix_pattern(prefixes: Sequence[str]) -> str:
    hosts = [p for p in prefixes if "://" not in p and p.endswith(".")]
    alternatives = "|".join(re.escape(h[:-1]) for h in hosts) or "www"
    return rf"^(?:{alternatives})\.(.+\..+)$"


def cleaning_prefixes(rules: Mapping[str, Any]) -> tuple[str, ...]:
    """The host prefixes (www., m., ...) the document's data_cleaning_rules say to remove."""
    prefixes = rules.get("domain_prefixes_to_remove")
    if isinstance(prefixes, list) and all(isinstance(p, str) for p in prefixes):
        return tuple(prefixes)
    return DEFAULT_PREFIXES


def clean_domains(column: Column, prefixes: Sequence[str] = DEFAULT_PREFIXES) -> pa.Array:
    """Bare lowercase host names; what is still not a domain keeps its original value."""
    original = as_array(column)
    x = pc.utf8_lower(pc.utf8_trim_whitespace(original))
    x = pc.replace_substring_regex(x, r"^mailto:", "")
    x = pc.replace_substring_regex(x, r"^[^@/\s:]+@([^@/\s]+\.[^@/\s]+)$", r"\1")
    x = pc.replace_substring_regex(x, r"^(?:[a-z][a-z0-9+.\-]*:)?//", "")
    x = pc.replace_substring_regex(x, r"^[^/@?#]*@", "")
    x = pc.replace_substring_regex(x, r"[/?#\\].*$", "")
    x = pc.replace_substring_regex(x, r":\d*$", "")
    x = pc.replace_substring_regex(x, r"\.+$", "")
    x = pc.replace_substring_regex(x, _prefix_pattern(prefixes), r"\1")
    needs_idna = pc.match_substring_regex(x, _NEEDS_IDNA)
    x = map_values(x, to_unicode_host, where=needs_idna)
    valid = pc.fill_null(pc.match_substring_regex(x, VALID_DOMAIN), False)
    return pc.if_else(valid, x, original)


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
    return pc.fill_null(pc.match_substring_regex(as_array(column), VALID_DOMAIN), False)


def clean_linkedin(column: Column) -> pa.Array:
    """LinkedIn URLs as https://www.linkedin.com/<in|company>/<lowercase slug>; others kept."""
    original = as_array(column)
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(original))
    matched = pc.fill_null(pc.match_substring_regex(lowered, LINKEDIN_URL), False)
    canonical = pc.replace_substring_regex(lowered, LINKEDIN_URL, CANONICAL_LINKEDIN)
    return pc.if_else(matched, canonical, original)


def linkedin_slug(column: Column, kinds: str) -> pa.Array:
    """The slug of canonical LinkedIn URLs of the given kinds ("in" or "company"), else null."""
    array = as_array(column)
    pattern = rf"^https://www\.linkedin\.com/(?:{kinds})/([^/]+)$"
    matched = pc.fill_null(pc.match_substring_regex(array, pattern), False)
    slug = pc.replace_substring_regex(array, pattern, r"\1")
    return pc.if_else(matched, slug, pa.scalar(None, pa.string()))
