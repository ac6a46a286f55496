"""Person names: title case that respects Mc/Mac/O'/hyphens/particles, and full-name splitting."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import Column, as_array, map_values

PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "der",
        "den",
        "del",
        "della",
        "di",
        "da",
        "das",
        "dos",
        "du",
        "la",
        "le",
        "ter",
        "ten",
        "zu",
        "bin",
        "ibn",
        "al",
        "y",
    ]
)
# "Mac" starts many names that are not Mac+Name; these stay "Mack", "Macias", ...
_MAC_EXCEPTIONS = frozenset(
    [
        "mack",
        "macy",
        "macey",
        "macias",
        "machado",
        "machin",
        "macedo",
        "macon",
        "mace",
        "macek",
        "macho",
        "macri",
        "maceo",
    ]
)
_PART = re.compile(r"([-'’])")
_PARTICLE_GROUP = "|".join(sorted(PARTICLES))
# first words, an optional middle initial, then the last name with any particles before it
SPLIT_FULL_NAME = (
    r"^(?P<first>.+?)\s+(?:\p{L}\.?\s+)?"
    rf"(?P<last>(?:(?i:{_PARTICLE_GROUP})\s+)*[^\s]+(?:\s+(?i:jr|sr|ii|iii|iv)\.?)?)$"
)
_LAST_COMMA_FIRST = r"^\s*([^,]+?)\s*,\s*([^,]+?)\s*$"
_COMMA_SUFFIX = r"(?i),\s*(?:jr|sr|ii|iii|iv|phd|md|esq|cpa|mba)\.?\s*$"
# the same on ASCII text, where a letter is [A-Za-z]
_SPLIT_ASCII = SPLIT_FULL_NAME.replace(r"\p{L}", "[A-Za-z]")


def title_case_name(value: str) -> str:
    """ "o'brien-mcdonald" -> "O'Brien-McDonald"; particles stay lowercase after the first word."""
    words = value.split(" ")
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if i > 0 and lower in PARTICLES:
            out.append(lower)
            continue
        out.append("".join(_cap_part(p) for p in _PART.split(lower)))
    return " ".join(out)


def _cap_part(part: str) -> str:
    if not part or part in "-'’":
        return part
    if part.startswith("mc") and len(part) > 2:
        return "Mc" + part[2:].capitalize()
    if part.startswith("mac") and len(part) > 5 and part not in _MAC_EXCEPTIONS:
        return "Mac" + part[3:].capitalize()
    return part.capitalize()


def title_case_names(column: Column) -> pa.Array:
    """Title-case the values written all upper or all lower case; mixed case is left alone."""
    array = as_array(column)
    one_case = pc.or_(pc.utf8_is_upper(array), pc.utf8_is_lower(array))
    return map_values(array, title_case_name, where=one_case)


def split_full_names(full: Column) -> tuple[pa.Array, pa.Array]:
    """(first, last) parts of full names; a single word is taken as the first name, and
    "Last, First" is turned round (a suffix after the comma, "Smith, Jr.", stays)."""
    array = as_array(full)
    turned = pc.replace_substring_regex(array, _LAST_COMMA_FIRST, r"\2 \1")
    comma = pc.fill_null(pc.match_substring_regex(array, _LAST_COMMA_FIRST), False)
    suffix = pc.fill_null(pc.match_substring_regex(array, _COMMA_SUFFIX), False)
    array = pc.if_else(pc.and_(comma, pc.invert(suffix)), turned, array)
    first, last = _split(array, _SPLIT_ASCII)
    wide = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
    if pc.any(wide).as_py():  # Unicode classes make RE2 slow: only non-ASCII names need them
        wide_first, wide_last = _split(array.filter(wide), SPLIT_FULL_NAME)
        first = pc.replace_with_mask(first, wide, wide_first)
        last = pc.replace_with_mask(last, wide, wide_last)
    single = pc.and_(pc.is_valid(array), pc.is_null(first))
    first = pc.if_else(single, array, first)
    return first, last


def _split(array: pa.Array, pattern: str) -> tuple[pa.Array, pa.Array]:
    parts = pc.extract_regex(array, pattern)
    return pc.struct_field(parts, "first"), pc.struct_field(parts, "last")
