"""Comparing two rows field by field: each comparison puts a pair on one of its levels.

A level is what a person would call it: "exact", "close", "different", and for some fields
more ("initial" for J. and John, "same domain" for two different addresses at one company).
A pair on which either row lacks the value is MISSING: it weighs nothing either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from app.processing.features import Features, IntArray
from app.processing.variants import given_name_level

MISSING = -1
_WORKERS = 2  # rapidfuzz scores in native threads


@dataclass(frozen=True)
class Comparison:
    """One field's comparison: its levels, and for each level the prior chance of it among
    matches (m) and among random pairs (u), used until the job's own data says more."""

    name: str
    feature: str
    levels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]
    compute: Callable[[Features, IntArray, IntArray], npt.NDArray[np.int8]]
    term_frequency: bool = False  # an exact match weighs as much as its value is rare
    holders: tuple[str, ...] = ()  # rarity counts the distinct values of the first of these
    also: tuple[str, ...] = ()  # other features the comparison can work from
    first: bool = False  # weighed before the rest: pairs it rules out are not scored further


def _strings(column: pa.Array, rows: IntArray) -> list[str | None]:
    return column.take(pa.array(rows)).to_pylist()  # type: ignore[no-any-return]


def _distinct(
    features: Features, feature: str, a: IntArray, b: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """(a, b) of each distinct pair of values, and where each pair's values are among them:
    names, cities and companies repeat, so each pair of values is compared once."""
    codes = features.codes(feature)
    ca, cb = codes[a], codes[b]
    low, high = np.minimum(ca, cb), np.maximum(ca, cb)
    _, first, where = np.unique(
        low * (int(codes.max()) + 2) + high, return_index=True, return_inverse=True
    )
    return a[first], b[first], where.reshape(-1)


def _similarity(
    features: Features, feature: str, a: IntArray, b: IntArray, scorer: Callable[..., float]
) -> npt.NDArray[np.float64]:
    column = features.get(feature)
    if len(a) == 0 or column is None:
        return np.zeros(len(a))
    da, db, where = _distinct(features, feature, a, b)
    scores = process.cpdist(
        _strings(column, da),
        _strings(column, db),
        scorer=scorer,
        dtype=np.float64,
        workers=_WORKERS,
    )
    return np.asarray(scores, dtype=np.float64)[where]


def _exact_and_missing(
    features: Features, feature: str, a: IntArray, b: IntArray
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    codes = features.codes(feature)
    ca, cb = codes[a], codes[b]
    missing = (ca < 0) | (cb < 0)
    return (ca == cb) & ~missing, missing


def exact_levels(feature: str) -> Callable[[Features, IntArray, IntArray], npt.NDArray[np.int8]]:
    """exact (0), different (1)."""

    def compute(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
        exact, missing = _exact_and_missing(features, feature, a, b)
        out = np.where(exact, 0, 1).astype(np.int8)
        out[missing] = MISSING
        return out

    return compute


def fuzzy_levels(
    feature: str, close: float, scorer: Callable[..., float] = fuzz.ratio, near: float | None = None
) -> Callable[[Features, IntArray, IntArray], npt.NDArray[np.int8]]:
    """exact (0), close (1: score >= close), [near (2: score >= near)], different (last)."""

    def compute(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
        exact, missing = _exact_and_missing(features, feature, a, b)
        different = 2 if near is None else 3
        out = np.where(exact, 0, different).astype(np.int8)
        open_pairs = np.flatnonzero(~exact & ~missing)
        if len(open_pairs):
            score = _similarity(features, feature, a[open_pairs], b[open_pairs], scorer)
            level = np.full(len(open_pairs), different, np.int8)
            if near is not None:
                level[score >= near] = 2
            level[score >= close] = 1
            out[open_pairs] = level
        out[missing] = MISSING
        return out

    return compute


def company_name_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """A listing's name: exact (0); a typo in a long name (1: two edits at most in 12 or more
    characters after the same first word, "Samsung Electronic" and "Samsung Electronics");
    close (2: ratio 90); near (3: ratio 80, or one name's words all in the other's);
    different (4)."""
    exact, missing = _exact_and_missing(features, "site", a, b)
    out = np.where(exact, 0, 4).astype(np.int8)
    open_pairs = np.flatnonzero(~exact & ~missing)
    column = features.get("site")
    if column is not None and len(open_pairs):
        x, y = a[open_pairs], b[open_pairs]
        ratio = _similarity(features, "site", x, y, fuzz.ratio)
        subset = _similarity(features, "site", x, y, fuzz.token_set_ratio)
        edits = _similarity(features, "site", x, y, Levenshtein.distance)
        shorter = np.minimum(_lengths(column, x), _lengths(column, y))
        level = np.full(len(open_pairs), 4, np.int8)
        level[(ratio >= 80) | (subset >= 100)] = 3
        level[ratio >= 90] = 2
        branches = features.codes("branch")
        same_branch = branches[x] == branches[y]  # "Clinic I" and "Clinic II" are no typo
        # a name's first word is what tells it apart: "Acme Labs" and "Acne Labs" differ there
        first_words = features.codes("first_word")
        same_first = first_words[x] == first_words[y]
        typo = np.flatnonzero((edits <= 2) & (shorter >= 12) & same_branch & same_first)
        if len(typo):
            left, right = _strings(column, x[typo]), _strings(column, y[typo])
            slips = [_is_slip(p, q) for p, q in zip(left, right, strict=True)]
            level[typo[np.asarray(slips, np.bool_)]] = 1
        out[open_pairs] = level
    out[missing] = MISSING
    return out


def _is_slip(x: str | None, y: str | None) -> bool:
    """A typo rather than another word: the first word that differs keeps its first four
    letters (electronic, electronics), so dental and rental, painting and printing differ."""
    if x is None or y is None:
        return False
    for p, q in zip(x.split(), y.split(), strict=False):
        if p != q:
            shared = 0
            for cp, cq in zip(p, q, strict=False):
                if cp != cq:
                    break
                shared += 1
            return shared >= min(4, len(p), len(q))
    return True  # one name is the other with a word more or less


def _lengths(column: pa.Array, rows: IntArray) -> IntArray:
    lengths: IntArray = pc.utf8_length(column.take(pa.array(rows))).to_numpy(zero_copy_only=False)
    return lengths


def given_name_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """exact or a known variant (0: Bob, Robert), initial (1: J and John), close (2: a typo),
    different (3)."""
    exact, missing = _exact_and_missing(features, "given", a, b)
    out = np.where(exact, 0, 3).astype(np.int8)
    open_pairs = np.flatnonzero(~exact & ~missing)
    column = features.get("given")
    if column is None or not len(open_pairs):
        out[missing] = MISSING
        return out
    da, db, where = _distinct(features, "given", a[open_pairs], b[open_pairs])
    left, right = _strings(column, da), _strings(column, db)
    level = np.full(len(da), 3, np.int8)
    for k, (x, y) in enumerate(zip(left, right, strict=True)):
        assert x is not None and y is not None
        level[k] = given_name_level(x, y)
    out[open_pairs] = level[where]
    out[missing] = MISSING
    return out


def email_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """exact personal address (0), exact role address (1: info@), different addresses at one
    company domain (2), different (3)."""
    exact, missing = _exact_and_missing(features, "email", a, b)
    role = features.codes("email_role")
    out = np.where(exact, 0, 3).astype(np.int8)
    out[exact & (role[a] >= 0)] = 1
    domains = features.codes("company_domain")
    same_domain = (domains[a] == domains[b]) & (domains[a] >= 0)
    personal = features.codes("email_personal")
    both_personal = (personal[a] >= 0) & (personal[b] >= 0)
    out[~exact & same_domain & both_personal] = 2
    out[missing] = MISSING
    return out


def phone_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """exact (0: the last nine digits, and the digit before them where both numbers have
    one), different (1)."""
    exact, missing = _exact_and_missing(features, "phone", a, b)
    lead = features.codes("phone_lead")
    both = (lead[a] >= 0) & (lead[b] >= 0)
    exact &= ~both | (lead[a] == lead[b])
    out = np.where(exact, 0, 1).astype(np.int8)
    out[missing] = MISSING
    return out


def street_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """exact (0), close with the same number (1), different house numbers (2), different (3)."""
    exact, missing = _exact_and_missing(features, "street", a, b)
    out = np.where(exact, 0, 3).astype(np.int8)
    numbers = features.codes("street_number")
    both = (numbers[a] >= 0) & (numbers[b] >= 0)
    same_number = both & (numbers[a] == numbers[b])
    open_pairs = np.flatnonzero(~exact & ~missing & same_number)
    if len(open_pairs):
        score = _similarity(features, "street", a[open_pairs], b[open_pairs], fuzz.token_set_ratio)
        out[open_pairs[score >= 80]] = 1
    out[~exact & ~missing & both & ~same_number] = 2
    out[missing] = MISSING
    return out


def branch_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """Branch tokens ("II", "#2", "North"): the same (0), different (1), only one has (2); none
    on either side is MISSING."""
    codes = features.codes("branch")
    ca, cb = codes[a], codes[b]
    out = np.full(len(a), MISSING, np.int8)
    both = (ca >= 0) & (cb >= 0)
    out[both & (ca == cb)] = 0
    out[both & (ca != cb)] = 1
    out[(ca >= 0) != (cb >= 0)] = 2
    return out


def company_levels(features: Features, a: IntArray, b: IntArray) -> npt.NDArray[np.int8]:
    """A person's employer: same domain or name (0), close name (1), different (2)."""
    out = np.full(len(a), MISSING, np.int8)
    for feature in ("company", "company_domain"):
        exact, missing = _exact_and_missing(features, feature, a, b)
        known = ~missing
        out[known & (out == MISSING)] = 2
        out[exact] = 0
    names = features.get("company")
    if names is not None:
        codes = features.codes("company")
        open_pairs = np.flatnonzero((out == 2) & (codes[a] >= 0) & (codes[b] >= 0))
        if len(open_pairs):
            score = _similarity(
                features, "company", a[open_pairs], b[open_pairs], fuzz.token_set_ratio
            )
            out[open_pairs[score >= 88]] = 1
    return out


# Priors: m (among matches) and u (among pairs of different entities) per level; the job's
# own rows refine them. Identifiers are almost never shared by two entities (u ~ 1e-6).


def _phone(m_exact: float, holders: tuple[str, ...]) -> Comparison:
    return Comparison(
        "phone",
        "phone",
        ("exact", "different"),
        m=(m_exact, 1 - m_exact),
        u=(1e-5, 0.99999),
        compute=phone_levels,
        term_frequency=True,
        holders=holders,
    )


def _linkedin(m_exact: float) -> Comparison:
    return Comparison(
        "LinkedIn",
        "linkedin",
        ("exact", "different"),
        m=(m_exact, 1 - m_exact),
        u=(1e-6, 0.999999),
        compute=exact_levels("linkedin"),
    )


def _address(holders: tuple[str, ...], m_city: tuple[float, float, float]) -> list[Comparison]:
    """Street, postal code and city: the same comparisons for people and companies."""
    return [
        Comparison(
            "street",
            "street",
            ("exact", "close", "different number", "different"),
            m=(0.7, 0.2, 0.03, 0.07),
            u=(1e-4, 0.002, 0.2, 0.7979),
            compute=street_levels,
            term_frequency=True,
            holders=holders,
        ),
        Comparison(
            "postal code",
            "postal",
            ("exact", "different"),
            m=(0.9, 0.1),
            u=(0.01, 0.99),
            compute=exact_levels("postal"),
            term_frequency=True,
            holders=holders,
        ),
        Comparison(
            "city",
            "city",
            ("exact", "close", "different"),
            m=m_city,
            u=(0.02, 0.01, 0.97),
            compute=fuzzy_levels("city", 85),
            term_frequency=True,
            holders=holders,
        ),
    ]


_PERSON = ("surname", "given")
PEOPLE = (
    Comparison(
        "given name",
        "given",
        ("same", "initial", "close", "different"),
        m=(0.86, 0.03, 0.08, 0.03),
        u=(0.01, 0.004, 0.01, 0.976),
        compute=given_name_levels,
        term_frequency=True,
        holders=("surname",),
        first=True,
    ),
    Comparison(
        "surname",
        "surname",
        ("exact", "close", "near", "different"),
        m=(0.88, 0.07, 0.02, 0.03),
        u=(0.002, 0.002, 0.01, 0.986),
        compute=fuzzy_levels("surname", 88, near=75),
        term_frequency=True,
        holders=("given",),
        first=True,
    ),
    Comparison(
        "e-mail",
        "email",
        ("exact", "same role address", "same domain", "different"),
        m=(0.55, 0.01, 0.02, 0.42),
        u=(1e-6, 0.0005, 0.02, 0.979499),
        compute=email_levels,
        term_frequency=True,
        holders=_PERSON,
    ),
    _phone(0.7, _PERSON),
    _linkedin(0.97),
    *_address(_PERSON, (0.85, 0.08, 0.07)),
    Comparison(
        "company",
        "company",
        ("same", "close", "different"),
        m=(0.7, 0.15, 0.15),
        u=(0.01, 0.01, 0.98),
        compute=company_levels,
        term_frequency=True,
        holders=_PERSON,
        also=("company_domain",),
    ),
    Comparison(
        "job title",
        "title",
        ("exact", "close", "different"),
        m=(0.5, 0.2, 0.3),
        u=(0.02, 0.03, 0.95),
        compute=fuzzy_levels("title", 80, fuzz.token_set_ratio),
    ),
)

_SITE = ("site",)
COMPANY = (
    Comparison(
        "name",
        "site",
        ("exact", "typo", "close", "near", "different"),
        m=(0.7, 0.08, 0.1, 0.08, 0.04),
        u=(3e-6, 5e-7, 0.001, 0.01, 0.9889965),
        compute=company_name_levels,
        term_frequency=True,
        holders=("phone", "street", "domain"),
        first=True,
    ),
    Comparison(
        "branch",
        "branch",
        ("same", "different", "one side only"),
        m=(0.95, 0.02, 0.03),
        u=(0.3, 0.4, 0.3),
        compute=branch_levels,
    ),
    Comparison(
        "domain",
        "domain",
        ("exact", "different"),
        m=(0.85, 0.15),
        u=(1e-5, 0.99999),
        compute=exact_levels("domain"),
        term_frequency=True,
        holders=_SITE,
    ),
    _linkedin(0.95),
    _phone(0.75, _SITE),
    *_address(_SITE, (0.88, 0.06, 0.06)),
)


def comparisons_for(features: Features) -> tuple[Comparison, ...]:
    """The comparisons of the table type whose feature some row has."""
    chosen = COMPANY if features.table_type == "company" else PEOPLE
    return tuple(
        c for c in chosen if any(features.get(n) is not None for n in (c.feature, *c.also))
    )
