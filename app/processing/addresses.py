"""Address parts: columns that hold one part of a location or a street address.

Exports split addresses into columns (HubSpot's City, State/Region, Country/Region; Salesforce's
Mailing City; Outlook's Business City; Apollo's Company City). The location field gets them
joined in a stable order ("Austin, TX, United States") when a file has no location column of
its own, and each part is also kept as the column it came as. A house number and a second
address line join the street the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from app.processing import fields as f
from app.processing.arrays import as_array, empty_to_null

CITY, STATE, COUNTRY = "city", "state", "country"
HOUSE_NUMBER, SECOND_LINE = "house number", "second line"
# the order location parts are joined in
PART_ORDER = {f.LOCATION: (CITY, STATE, COUNTRY), f.COMPANY_LOCATION: (CITY, STATE, COUNTRY)}
_PARTS = {
    ("city",): CITY,
    ("town",): CITY,
    ("suburb",): CITY,
    ("locality",): CITY,
    ("municipality",): CITY,
    ("state",): STATE,
    ("region",): STATE,
    ("province",): STATE,
    ("state", "region"): STATE,
    ("state", "province"): STATE,
    ("country",): COUNTRY,
    ("country", "region"): COUNTRY,
    ("nation",): COUNTRY,
    ("country", "code"): COUNTRY,
    ("street", "number"): HOUSE_NUMBER,
    ("house", "number"): HOUSE_NUMBER,
    ("building", "number"): HOUSE_NUMBER,
    ("address", "2"): SECOND_LINE,
    ("address", "line", "2"): SECOND_LINE,
    ("street", "2"): SECOND_LINE,
    ("street", "line", "2"): SECOND_LINE,
}
# Words that say whose or which address it is, without changing the part it names.
_QUALIFIERS = frozenset(
    [
        "mailing",
        "billing",
        "shipping",
        "business",
        "home",
        "other",
        "primary",
        "main",
        "work",
        "person",
        "personal",
        "contact",
        "lead",
        "current",
        "office",
        "hq",
        "headquarters",
        "company",
        "account",
        "organization",
        "organisation",
        "employer",
        "of",
        "the",
    ]
)
# A lead's home, other or shipping address comes after the business or mailing address.
_SECONDARY = frozenset(["home", "other", "shipping", "personal"])
_EMPLOYER_WORDS = frozenset(
    ["company", "account", "organization", "organisation", "employer", "hq", "headquarters"]
)


@dataclass(frozen=True)
class AddressPart:
    """A column that feeds a standard field: the field, its role and the part it is."""

    field: str
    role: str
    part: str
    rank: int = 0  # a home or other address (1) feeds only when there is no business one (0)

    @property
    def key(self) -> tuple[str, str]:
        """(field, part): two columns with one key hold the same part of two addresses."""
        return (self.field, self.part)


def address_part(
    words: Sequence[str], mappings: Mapping[str, object], table_type: str
) -> AddressPart | None:
    """The part a header names (its lowercase words), and the field it feeds, if any."""
    core = tuple(w for w in words if w not in _QUALIFIERS)
    # Google's "Address 1 - City": the address's number says which address, not which part
    part = _PARTS.get(tuple(w for w in core if w != "address" and not w.isdigit()))
    part = part or _PARTS.get(core)
    if part is None:
        return None
    if part in (HOUSE_NUMBER, SECOND_LINE):
        role = f.STREET
    elif table_type == "people" and _EMPLOYER_WORDS & set(words):
        role = f.COMPANY_LOCATION
    else:
        role = f.LOCATION
    field = f.field_roles(mappings, table_type).get(role)
    rank = 1 if _SECONDARY & set(words) else 0
    return None if field is None else AddressPart(field, role, part, rank)


def compose(
    table: pa.Table, parts: Mapping[str, AddressPart], mapped: Mapping[str, str]
) -> pa.Table:
    """The table with each fed field filled from its parts where the field is empty.

    parts: column -> the part it is; mapped: field -> the column the field came from (a file's
    own location column wins over its parts; a street is completed by its number and line 2).
    """
    by_field: dict[str, dict[str, str]] = {}
    for column, part in sorted(parts.items(), key=lambda item: item[1].rank):
        by_field.setdefault(part.field, {}).setdefault(part.part, column)
    for field, columns in by_field.items():
        role = next(p.role for p in parts.values() if p.field == field)
        if role == f.STREET:
            if field not in mapped:
                continue  # a number or a second line alone is no street
            line = _join(_values(table, [columns.get(HOUSE_NUMBER), field]), " ")
            joined = _join([line, *_values(table, [columns.get(SECOND_LINE)])], ", ")
        else:
            joined = _join(_values(table, [columns.get(p) for p in PART_ORDER[role]]), ", ")
            if field in mapped:  # a file's own location column wins; its parts fill its gaps
                joined = pc.coalesce(_values(table, [field])[0], joined)
        if field in table.column_names:
            table = table.set_column(table.column_names.index(field), field, joined)
        else:
            table = table.append_column(field, joined)
    return table


def _values(table: pa.Table, columns: list[str | None]) -> list[pa.Array]:
    """The named columns' values, trimmed, empty as null (None names are left out)."""
    return [
        empty_to_null(pc.utf8_trim_whitespace(as_array(table.column(c))))
        for c in columns
        if c is not None
    ]


def _join(values: list[pa.Array], separator: str) -> pa.Array:
    """The non-null values joined, row by row (null when all are null)."""
    if len(values) == 1:
        return values[0]
    none = pc.is_null(values[0])
    for value in values[1:]:
        none = pc.and_(none, pc.is_null(value))
    # join(null_handling="skip") loses rows whose parts are all null (pyarrow 26): give those
    # one empty part, and make the empty result null again
    first = pc.if_else(none, "", values[0])
    return empty_to_null(
        pc.binary_join_element_wise(first, *values[1:], separator, null_handling="skip")
    )
