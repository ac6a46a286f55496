"""Values decide: a column is what its values are, empty columns carry no evidence, and
address parts feed the location and street fields."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from app.processing.addresses import compose
from app.processing.headers import HeaderMatch, detect_mapping
from app.processing.values import fit_share, kind_of

PEOPLE: dict[str, Any] = {
    "people_mappings": {
        "First Name": ["first name"],
        "Email": ["email", "email address"],
        "Phone": ["phone", "phone number"],
        "LinkedIn Profile": ["linkedin", "linkedin url"],
        "Street Address": ["street", "address line 1"],
        "Postal Code": ["zip", "postal code"],
        "Person Location": ["location"],
        "Company Name": ["company"],
        "Company Website": ["website", "url"],
        "Company Location": ["company location"],
    },
    "company_mappings": {"Company Name": ["name"], "Company Location": ["location"]},
}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("+1 (512) 555-0134", "phone"),
        ("020 7946 0958", "phone"),
        ("512.555.0134", "phone"),
        ("2024-03-01", "other"),
        ("1998", "other"),
        ("12000000", "other"),
        ("SW1A 1AA", "postal_code"),
        ("78701-1234", "postal_code"),
        ("K1A 0B1", "postal_code"),
        ("https://www.linkedin.com/in/jane-doe", "linkedin_person"),
        ("jane@acme.com", "email"),
        ("acme.com", "domain"),
    ],
)
def test_kinds_of_values(value: str, kind: str) -> None:
    assert kind_of(value) == kind


def test_bare_digits_fit_a_phone_or_postal_column_but_do_not_make_one() -> None:
    assert fit_share("phone", ["5125550134", "+1 512 555 0199", "n/a"]) == pytest.approx(2 / 3)
    assert fit_share("postal_code", ["78701", "02134", "SW1A 1AA"]) == 1.0
    assert fit_share("phone", []) is None


def test_a_column_is_what_its_values_are_whatever_its_header_says() -> None:
    samples = {
        "Contact": ["ann@acme.com", "bob@beta.io", "carl@gamma.de"],
        "Direct": ["+1 512-555-0134", "(512) 555 0199", "+44 20 7946 0958"],
        "Profile": ["https://www.linkedin.com/in/ann", "linkedin.com/in/bob"],
        "Code": ["SW1A 1AA", "EC1A 1BB", "78701-1234"],
    }
    mapping = detect_mapping(list(samples), PEOPLE, "people", samples=samples)
    assert {h: m.field for h, m in mapping.items()} == {
        "Contact": "Email",
        "Direct": "Phone",
        "Profile": "LinkedIn Profile",
        "Code": "Postal Code",
    }
    assert all("values" in (m.note or "") for m in mapping.values())


def test_an_empty_column_never_takes_a_field_from_one_with_values() -> None:
    # LinkedIn's export: an empty "URL" column named like the website, profiles elsewhere
    samples: dict[str, list[str]] = {
        "URL": [],
        "Website": ["https://acme.com", "beta.io"],
        "Profile": ["https://www.linkedin.com/in/ann", "https://www.linkedin.com/in/bob"],
    }
    mapping = detect_mapping(["URL", "Website", "Profile"], PEOPLE, "people", samples=samples)
    assert mapping["Website"].field == "Company Website"
    assert mapping["URL"].field is None
    assert mapping["Profile"].field == "LinkedIn Profile"


def test_a_linkedin_url_column_named_url_is_the_profile() -> None:
    samples = {"URL": ["https://www.linkedin.com/in/ann-1", "https://www.linkedin.com/in/bob-2"]}
    mapping = detect_mapping(["URL"], PEOPLE, "people", samples=samples)
    assert mapping["URL"].field == "LinkedIn Profile"
    assert "moved from Company Website" in (mapping["URL"].note or "")


def test_each_header_reports_its_name_score_and_the_share_of_values_that_fit() -> None:
    samples = {"Phone": ["+1 512 555 0134", "call me", "n/a", "later", "never", "x"]}
    match = detect_mapping(["Phone"], PEOPLE, "people", samples=samples)["Phone"]
    assert (match.field, match.score) == ("Phone", 100)
    assert match.values_fit == pytest.approx(1 / 6)
    assert "check" in (match.note or "")
    assert match.to_json()["values_fit"] == 0.17


def test_address_parts_feed_the_location_and_are_kept() -> None:
    headers = ["City", "State/Region", "Country/Region", "Company City", "Mailing Street"]
    mapping = detect_mapping(headers, PEOPLE, "people")
    assert mapping["City"] == HeaderMatch(
        None,
        mapping["City"].score,
        "kept as its own column; feeds Person Location",
        feeds="Person Location",
    )
    assert mapping["State/Region"].feeds == "Person Location"
    assert mapping["Country/Region"].feeds == "Person Location"
    assert mapping["Company City"].feeds == "Company Location"
    assert mapping["Mailing Street"].field == "Street Address"


def test_parts_are_joined_in_a_stable_order_where_the_file_has_no_location() -> None:
    from app.processing.addresses import address_part

    table = pa.table(
        {
            "Country": ["United States", None, "Germany", None],
            "City": ["Austin", "Boston", None, None],
            "State": ["TX", "MA", None, None],
        }
    )
    parts = {c: address_part([c.lower()], PEOPLE, "people") for c in table.column_names}
    out = compose(table, {c: p for c, p in parts.items() if p is not None}, {})
    assert out.column("Person Location").to_pylist() == [
        "Austin, TX, United States",
        "Boston, MA",
        "Germany",
        None,
    ]
    assert out.column("City").to_pylist() == ["Austin", "Boston", None, None]  # kept as it came


def test_a_location_column_of_its_own_wins_over_the_parts_and_they_fill_its_gaps() -> None:
    from app.processing.addresses import address_part

    table = pa.table({"Person Location": ["Austin, Texas", None], "City": ["Austin", "Boston"]})
    part = address_part(["city"], PEOPLE, "people")
    assert part is not None
    out = compose(table, {"City": part}, {"Person Location": "Location"})
    # its own value stays; where it has none, the parts fill the gap
    assert out.column("Person Location").to_pylist() == ["Austin, Texas", "Boston"]


def test_a_house_number_and_a_second_line_complete_the_street() -> None:
    from app.processing.addresses import address_part

    table = pa.table(
        {
            "Street Address": ["Main St", "Elm Road", None],
            "Street Number": ["12", None, "7"],
            "Address Line 2": ["Suite 4", None, None],
        }
    )
    parts = {
        "Street Number": address_part(["street", "number"], PEOPLE, "people"),
        "Address Line 2": address_part(["address", "line", "2"], PEOPLE, "people"),
    }
    out = compose(table, {c: p for c, p in parts.items() if p}, {"Street Address": "Street"})
    assert out.column("Street Address").to_pylist() == ["12 Main St, Suite 4", "Elm Road", "7"]
