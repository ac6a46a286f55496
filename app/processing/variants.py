"""Values written differently that are the same: the forms two values are compared in.

Each function takes a column and gives its comparison form (null where nothing is left):
names without honorifics and suffixes, transliterated and lowercased; nicknames known as
variants of a given name; e-mails without plus tags; phones as their last nine digits; streets
with their number apart and common words abbreviated one way; company names without legal
forms and with their branch tokens ("II", "#2", "North") apart. Python runs once per distinct
value at most (transliteration of non-ASCII values); the rest is Arrow kernels.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii
from cleanco.termdata import terms_by_type
from nameparser.config import CONSTANTS as NAME_CONSTANTS
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from app.processing.arrays import (
    Column,
    as_array,
    by_distinct,
    by_distinct_pair,
    empty_to_null,
    map_values,
)
from app.processing.names import PARTICLES

_NULL = pa.scalar(None, pa.string())
_PARTICLES = "|".join(sorted(PARTICLES))
# ASCII punctuation and common typographic punctuation, after transliteration
_PUNCTUATION = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+"
_APOSTROPHES = r"['\x{2019}`]"
# Free-mail providers: an address there says nothing of the person's employer.
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
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "yahoo.ca",
        "yahoo.com.au",
        "ymail.com",
        "rocketmail.com",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.es",
        "hotmail.it",
        "live.co.uk",
        "live.fr",
        "outlook.fr",
        "outlook.de",
        "sbcglobal.net",
        "att.net",
        "verizon.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "bellsouth.net",
        "optonline.net",
        "gmx.com",
        "gmx.at",
        "gmx.ch",
        "mail.com",
        "email.com",
        "zoho.com",
        "tutanota.com",
        "fastmail.com",
        "hey.com",
        "pm.me",
        "naver.com",
        "daum.net",
        "126.com",
        "sina.com",
        "yeah.net",
        "rediffmail.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "laposte.net",
        "sfr.fr",
        "wanadoo.fr",
        "bigpond.com",
        "shaw.ca",
        "rogers.com",
        "sky.com",
        "virginmedia.com",
        "ntlworld.com",
        "aim.com",
        "inbox.ru",
        "bk.ru",
        "list.ru",
        "rambler.ru",
        "ukr.net",
    ]
)
ROLE_MAILBOXES = frozenset(
    [
        "info",
        "sales",
        "office",
        "contact",
        "contacts",
        "hello",
        "hi",
        "admin",
        "support",
        "team",
        "marketing",
        "hr",
        "jobs",
        "careers",
        "billing",
        "accounts",
        "accounting",
        "enquiries",
        "enquiry",
        "inquiries",
        "inquiry",
        "mail",
        "reception",
        "help",
        "noreply",
        "no-reply",
        "webmaster",
        "press",
        "media",
        "service",
        "services",
        "customerservice",
        "orders",
        "general",
        "frontdesk",
        "front.desk",
        "main",
        "appointments",
        "admissions",
        "registrar",
        "clinic",
        "bookings",
    ]
)
# Honorifics and name suffixes, from nameparser's lists (plus the few it spells otherwise);
# only plain ASCII words, for an RE2 alternation.
_TITLES = sorted(
    {t for t in NAME_CONSTANTS.titles if t.isascii() and t.isalpha() and len(t) > 1}
    | {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "rev", "fr", "hon"}
)
_SUFFIXES = sorted(
    {
        s
        for s in (*NAME_CONSTANTS.suffix_acronyms, *NAME_CONSTANTS.suffix_not_acronyms)
        if s.isascii() and s.replace(".", "").isalnum()
    }
    | {"jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq", "cpa", "mba", "dds", "rn"}
)
_STREET_WORDS = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "place": "pl",
    "court": "ct",
    "suite": "ste",
    "parkway": "pkwy",
    "highway": "hwy",
    "square": "sq",
    "terrace": "ter",
    "crescent": "cres",
    "circle": "cir",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "apartment": "apt",
    "floor": "fl",
    "building": "bldg",
    "mount": "mt",
    "saint": "st",
}
_NAME_WORDS = {
    "saint": "st",
    "hosp": "hospital",
    "ctr": "center",
    "centre": "center",
    "cntr": "center",
    "comm": "community",
    "hlth": "health",
    "assoc": "associates",
    "assocs": "associates",
    "association": "associates",
    "dept": "department",
    "intl": "international",
    "univ": "university",
    "mfg": "manufacturing",
    "svcs": "services",
    "svc": "services",
    "service": "services",
    "natl": "national",
    "med": "medical",
    "elem": "elementary",
    "es": "elementary school",
    "ms": "middle school",
    "jhs": "junior high school",
    "hs": "high school",
    "sch": "school",
    "schl": "school",
    "co": "company",
    "corp": "corporation",
    "mgmt": "management",
    "tech": "technology",
    "technologies": "technology",
    "sys": "systems",
    "grp": "group",
    "bros": "brothers",
    "ft": "fort",
    "mt": "mount",
    # patent applicants and registries abbreviate the words of long names
    "ind": "industrial",
    "indus": "industrial",
    "inds": "industries",
    "elec": "electric",
    "chem": "chemical",
    "pharm": "pharmaceutical",
    "pharma": "pharmaceutical",
    "lab": "laboratory",
    "labs": "laboratories",
    "inst": "institute",
    "assn": "association",
    "eng": "engineering",
    "engr": "engineering",
    "sci": "scientific",
    "dev": "development",
    "and": "",
}
_DIRECTIONS = (
    "north|south|east|west|northeast|northwest|southeast|southwest|central|downtown|uptown|midtown"
)
_ROMAN = "i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii"
# A branch: a roman numeral as the name's last word, a direction anywhere after its first
# word ("North End Branch", "Clinic East"), a number after a word of the name, "#2", "No 2".
_BRANCH = (
    rf"(?: (?:{_ROMAN})$| (?:{_DIRECTIONS})\b"
    r"| (?:site |unit |no |number |location |branch )?\d+[a-z]?\b)"
)


def fold(column: Column) -> pa.Array:
    """Lowercase ASCII: accents and other scripts transliterated (José -> jose, Müller ->
    muller), once per distinct non-ASCII value."""
    array = as_array(column)
    wide = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
    if pc.any(wide).as_py():
        array = map_values(array, anyascii, where=wide)
    return pc.ascii_lower(array)


def words(column: Column) -> pa.Array:
    """Folded words without punctuation, single spaces (apostrophes vanish: "o'brien" is
    "obrien"); null when nothing is left."""
    x = pc.replace_substring_regex(fold(column), _APOSTROPHES, "")
    x = pc.replace_substring_regex(x, "&", " and ")
    x = pc.replace_substring_regex(x, _PUNCTUATION, " ")
    x = pc.replace_substring_regex(x, "  +", " ")
    return empty_to_null(pc.utf8_trim(x, " "))


def _replace_words(x: pa.Array, table: dict[str, str]) -> pa.Array:
    for word, short in table.items():
        x = pc.replace_substring_regex(x, rf"\b{word}\b", short)
    return pc.utf8_trim(pc.replace_substring_regex(x, "  +", " "), " ")


def _alternation(terms: list[str]) -> str:
    return "|".join(sorted((t.replace(".", r"\.") for t in terms), key=len, reverse=True))


def person_name_parts(
    full: Column | None, first: Column | None, last: Column | None
) -> tuple[pa.Array | None, pa.Array | None]:
    """(given name, surname) comparison forms: honorifics and suffixes gone, "Last, First"
    turned round, transliterated; a full name fills the parts a row lacks."""
    size = len(next(c for c in (full, first, last) if c is not None))
    nulls = pa.nulls(size, pa.string())
    # names repeat (duplicates, common names): each distinct value is worked on once
    given = by_distinct(_person_words)(first) if first is not None else nulls
    surname = by_distinct(_person_words)(last) if last is not None else nulls
    if full is not None:
        from_full_given, from_full_surname = by_distinct_pair(_split_full, full)
        given = pc.coalesce(given, from_full_given)
        surname = pc.coalesce(surname, from_full_surname)
    # the first word of a given name ("mary ann" -> "mary"), a surname without spaces
    given = empty_to_null(pc.replace_substring_regex(given, " .*$", ""))
    surname = empty_to_null(pc.replace_substring_regex(surname, "[ -]", ""))
    if given.null_count == size and surname.null_count == size:
        return None, None
    return given, surname


def generation(full: Column | None, last: Column | None) -> pa.Array | None:
    """A name's generational suffix (Jr., Sr., II, III), which tells father from son."""
    found = None
    for column in (last, full):
        if column is None:
            continue
        x = by_distinct(words)(column)
        suffix = pc.struct_field(
            pc.extract_regex(x, r"(?: |^)(?P<g>jr|sr|junior|senior|ii|iii|iv|2nd|3rd)$"), "g"
        )
        suffix = pc.replace_substring_regex(suffix, "^junior$", "jr")
        suffix = pc.replace_substring_regex(suffix, "^senior$", "sr")
        found = suffix if found is None else pc.coalesce(found, suffix)
    return found


def _person_words(column: Column, *, initials: bool = False) -> pa.Array:
    """Name words without honorifics at the start and suffixes (Jr., III, PhD) at the end;
    initials (single letters) dropped unless nothing else is left, or kept with initials."""
    x = words(column)
    x = pc.replace_substring_regex(x, rf"^(?:(?:{_alternation(_TITLES)}) )+", "")
    x = pc.replace_substring_regex(x, rf"(?: (?:{_alternation(_SUFFIXES)}))+$", "")
    if initials:
        return empty_to_null(x)
    without = pc.utf8_trim(pc.replace_substring_regex(x, r"\b[a-z]\b", ""), " ")
    without = pc.replace_substring_regex(without, "  +", " ")
    return empty_to_null(pc.if_else(pc.equal(without, ""), x, without))


def _split_full(full: Column) -> tuple[pa.Array, pa.Array]:
    """(given, surname) of full names, "Last, First" included."""
    array = as_array(full)
    # "Connolly, PhD" is a suffix after a comma, not "Last, First"
    suffix_after_comma = rf"(?i),\s*(?:{_alternation(_SUFFIXES)})\.?\s*$"
    array = pc.replace_substring_regex(array, suffix_after_comma, "")
    comma = pc.extract_regex(array, r"^(?P<last>[^,]+),\s*(?P<first>[^,]+)$")
    turned = pc.binary_join_element_wise(
        pc.struct_field(comma, "first"), pc.struct_field(comma, "last"), " "
    )
    # a full name keeps its initials here: "J Smith" is J, not Smith; middle ones fall away
    # as only the first and the last words are taken
    name = _person_words(pc.coalesce(turned, array), initials=True)
    parts = pc.extract_regex(
        name, rf"^(?P<first>\S+)(?: .*?)?? (?P<last>(?:(?:{_PARTICLES}) )*\S+)$"
    )
    given = pc.coalesce(pc.struct_field(parts, "first"), name)
    surname = pc.struct_field(parts, "last")
    return given, surname


@lru_cache(maxsize=1)
def _nicknames() -> frozenset[tuple[str, str]]:
    """(formal name, nickname) pairs of the nicknames package's curated list."""
    pairs = set()
    source = resources.files("nicknames").joinpath("names.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pairs.add((row["name1"].strip().lower(), row["name2"].strip().lower()))
    return frozenset(pairs)


@lru_cache(maxsize=1)
def _formal_names() -> dict[str, frozenset[str]]:
    """Each nickname -> the longer formal names it shortens (Bob -> Robert)."""
    out: dict[str, set[str]] = {}
    for formal, nick in _nicknames():
        if len(formal) > len(nick):
            out.setdefault(nick, set()).add(formal)
    return {nick: frozenset(formals) for nick, formals in out.items()}


def are_name_variants(a: str, b: str) -> bool:
    """Bob and Robert, Bernie and Bernard, Bob and Bobby (both Robert): the same given name.
    The list pairs some names both ways round; only a shortening counts between siblings."""
    if a == b:
        return True
    pairs = _nicknames()
    if (a, b) in pairs or (b, a) in pairs:
        return True
    formals = _formal_names()
    fa, fb = formals.get(a), formals.get(b)
    return fa is not None and fb is not None and not fa.isdisjoint(fb)


# Names that differ only by a gendered ending are two names: Paul and Paula, Alexander and
# Alexandra, Christian and Christina, Mario and Maria, Francis and Frances, Jesse and Jessie.
_GENDERED_TAILS = frozenset(
    frozenset(pair)
    for pair in [
        ("", "a"),
        ("", "e"),
        ("", "ie"),
        ("", "ine"),
        ("", "ette"),
        ("", "ina"),
        ("", "elle"),
        ("o", "a"),
        ("e", "o"),
        ("e", "a"),
        ("er", "ra"),
        ("an", "na"),
        ("us", "a"),
        ("is", "es"),
        ("e", "ie"),
        ("el", "elle"),
        ("ael", "elle"),
        ("us", "ia"),
        ("o", "e"),
        ("y", "ie"),
    ]
)
SAME, INITIAL, CLOSE, DIFFERENT = 0, 1, 2, 3


def given_name_level(x: str, y: str) -> int:
    """How two given names compare: the same or a known variant (Bob, Robert), an initial
    (J, John), close (a typo), or different (two names, gendered pairs included)."""
    if x == y:
        return SAME
    if len(x) == 1 or len(y) == 1:
        return INITIAL if x[0] == y[0] else DIFFERENT
    common = 0
    for cx, cy in zip(x, y, strict=False):
        if cx != cy:
            break
        common += 1
    if common >= 3 and frozenset((x[common:], y[common:])) in _GENDERED_TAILS:
        return DIFFERENT
    if are_name_variants(x, y):
        return SAME
    if JaroWinkler.normalized_similarity(x, y) >= 0.9 or fuzz.ratio(x, y) >= 80:
        return CLOSE
    return DIFFERENT


def email_parts(column: Column) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(address without a plus tag, its domain, whether it is a role mailbox like info@)."""
    x = pc.utf8_lower(pc.utf8_trim_whitespace(as_array(column)))
    x = pc.replace_substring_regex(x, "^mailto:", "")
    valid = pc.fill_null(pc.match_substring_regex(x, r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"), False)
    x = pc.if_else(valid, x, _NULL)
    address = pc.replace_substring_regex(x, r"\+[^@]*@", "@")
    local = pc.replace_substring_regex(address, "@.*$", "")
    domain = pc.replace_substring_regex(address, "^[^@]*@", "")
    role = pc.is_in(local, value_set=pa.array(sorted(ROLE_MAILBOXES)))
    return address, domain, pc.fill_null(role, False)


def phone_key(column: Column) -> pa.Array:
    """The last nine digits of a phone number: the same for +1 512-555-0134 and (512) 555 0134,
    for +44 20 7946 0958 and 020 7946 0958 (extensions left out); null under eight digits."""
    digits = _phone_digits(column)
    long_enough = pc.fill_null(pc.greater_equal(pc.utf8_length(digits), 8), False)
    return pc.if_else(long_enough, pc.utf8_slice_codeunits(digits, -9), _NULL)


def phone_lead(column: Column) -> pa.Array:
    """The digit before a phone's last nine, once a trunk 0 is gone (null when there is none):
    (212) and (312) numbers share their last nine digits, not this one."""
    national = pc.replace_substring_regex(_phone_digits(column), "^0([1-9])", r"\1")
    ten = pc.fill_null(pc.greater_equal(pc.utf8_length(national), 10), False)
    return pc.if_else(ten, pc.utf8_slice_codeunits(national, -10, -9), _NULL)


def _phone_digits(column: Column) -> pa.Array:
    x = pc.replace_substring_regex(
        as_array(column), r"(?i)\s*(?:x|ext\.?|extension|#)\s*\d{1,6}\s*$", ""
    )
    return pc.replace_substring_regex(x, r"\D+", "")


def street_parts(column: Column) -> tuple[pa.Array, pa.Array]:
    """(street comparison form, house number): "12 Main Street, Suite 4" -> ("12 main st ste
    4", "12")."""
    x = words(column)
    x = _replace_words(x, _STREET_WORDS)
    number = pc.struct_field(pc.extract_regex(x, r"^(?P<n>\d+[a-z]?)\b"), "n")
    return empty_to_null(x), number


def postal_key(column: Column) -> pa.Array:
    """Upper case without spaces; a US ZIP+4 as its five digits."""
    x = pc.utf8_upper(pc.replace_substring_regex(as_array(column), r"[\s\-]", ""))
    x = pc.replace_substring_regex(x, r"^(\d{5})\d{4}$", r"\1")
    return empty_to_null(x)


def place_key(column: Column) -> pa.Array:
    """A city's comparison form (Saint/St., Fort/Ft. one way)."""
    return empty_to_null(_replace_words(words(column), {"saint": "st", "fort": "ft"}))


@lru_cache(maxsize=1)
def _legal_forms() -> str:
    """cleanco's legal forms of every country (Inc, GmbH, N.V., S.A., ...), as words."""
    terms = {
        " ".join(pc.utf8_trim(words(pa.array([t])), " ").to_pylist()[0].split())
        for group in terms_by_type.values()
        for t in group
        if t and words(pa.array([t])).to_pylist()[0]
    }
    terms |= {"inc", "llc", "ltd", "co", "corp", "company", "corporation", "limited", "plc"}
    # the long forms patent offices and registries spell out
    terms |= {
        "aktiengesellschaft",
        "gesellschaft mit beschrankter haftung",
        "kabushiki kaisha",
        "naamloze vennootschap",
        "besloten vennootschap",
        "societe anonyme",
        "sociedad anonima",
        "sociedade anonima",
        "societa per azioni",
        "aktiebolag",
        "osakeyhtio",
        "public limited company",
        "limited liability company",
        "incorporated",
        "kk",
        "k k",
    }
    return _alternation(sorted(t for t in terms if t.isascii()))


def company_parts(column: Column) -> tuple[pa.Array, pa.Array]:
    """(name comparison form, branch tokens): "The St. Mary's Hosp. II, Inc." -> ("st marys
    hospital", "ii"); legal forms and a leading "The" go, abbreviations are spelled one way,
    the branch tokens of a name ("North End Branch" -> "north") are kept apart, sorted."""
    x = words(column)
    x = pc.replace_substring_regex(x, r"^the ", "")
    x = pc.replace_substring_regex(x, rf"(?: (?:{_legal_forms()}))+$", "")
    branch = _branch_tokens(x)
    core = pc.replace_substring_regex(x, _BRANCH, "")
    core = pc.replace_substring_regex(core, r"\b(?:site|unit|location|branch)$", "")
    core = _replace_words(core, _NAME_WORDS)
    core = pc.if_else(pc.equal(core, ""), x, core)
    return empty_to_null(core), empty_to_null(branch)


def _branch_tokens(names: pa.Array) -> pa.Array:
    """The branch tokens of each name, sorted and space-separated ("" when none)."""
    # every token found: keep the matches, drop everything else
    marked = pc.replace_substring_regex(names, _BRANCH, "\x1f\\0\x1f")
    pieces = pc.split_pattern(marked, "\x1f")
    flat = pc.list_flatten(pieces)
    parents = pc.list_parent_indices(pieces)
    is_token = pc.fill_null(pc.match_substring_regex(flat, rf"^(?:{_BRANCH})$"), False)
    tokens = pc.utf8_trim(flat.filter(is_token), " ")
    tokens = pc.replace_substring_regex(tokens, r"^(?:site|unit|no|number|location|branch) ", "")
    owner = parents.filter(is_token)
    table = pa.table({"row": owner, "token": tokens}).sort_by(
        [("row", "ascending"), ("token", "ascending")]
    )
    grouped = table.group_by("row", use_threads=False).aggregate([("token", "list")])
    joined = pc.binary_join(grouped.column("token_list"), " ")
    at = pc.index_in(pa.array(range(len(names)), pa.int64()), value_set=grouped.column("row"))
    return joined.take(at)
