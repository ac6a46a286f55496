"""Header mapping: normalised synonyms, fuzzy scores, one column per field, overrides, values."""

from __future__ import annotations

from typing import Any

import pytest

from app.processing.errors import ProcessingError
from app.processing.headers import (
    HeaderMatch,
    detect_mapping,
    detect_table_type,
    score_header,
    standard_fields,
)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("First Name", "First Name"),
        ("FIRST_NAME", "First Name"),
        ("firstName", "First Name"),
        ("first-name", "First Name"),
        ("  Email  ", "Email"),
        ("E-mail", "Email"),
        ("Business Email", "Email"),
        ("Person Linkedin Url", "LinkedIn Profile"),
        ("Company Name for Emails", "Company Name"),
        ("Compnay Name", "Company Name"),
        ("Job Titel", "Job Title"),
        ("Phone Number", "Phone"),
    ],
)
def test_people_headers_map_to_their_field(
    mappings: dict[str, Any], header: str, field: str
) -> None:
    match = detect_mapping([header], mappings, "people")[header]
    assert match.field == field
    assert match.score >= 85


@pytest.mark.parametrize(
    "header", ["List Name", "Last Contacted", "Lead Source", "Owner", "Notes", "Campaign"]
)
def test_unrelated_headers_stay_unmapped(mappings: dict[str, Any], header: str) -> None:
    assert detect_mapping([header], mappings, "people")[header].field is None


def test_normalised_match_scores_100_and_typo_scores_less() -> None:
    assert score_header("COMPANY_NAME", "company name") == 100
    assert 85 <= score_header("Compnay Name", "company name") < 100
    assert score_header("List Name", "last name") < 85


def test_one_column_per_field_the_better_score_wins(mappings: dict[str, Any]) -> None:
    mapping = detect_mapping(["Compnay Name", "Company"], mappings, "people")
    assert mapping["Company"] == HeaderMatch("Company Name", 100)
    loser = mapping["Compnay Name"]
    assert loser.field is None
    assert loser.note is not None and "Company" in loser.note


def test_overrides_win_and_can_ignore_a_column(mappings: dict[str, Any]) -> None:
    mapping = detect_mapping(
        ["Email", "Contact", "Website"],
        mappings,
        "people",
        overrides={"Contact": "Email", "Email": None},
    )
    assert mapping["Contact"].field == "Email"
    assert mapping["Email"].field is None
    assert mapping["Website"].field == "Company Website"


def test_override_to_an_unknown_field_is_refused(mappings: dict[str, Any]) -> None:
    with pytest.raises(ProcessingError):
        detect_mapping(["Email"], mappings, "people", overrides={"Email": "Shoe Size"})


def test_threshold_decides_what_maps(mappings: dict[str, Any]) -> None:
    assert (
        detect_mapping(["Compnay Name"], mappings, "people", threshold=99)["Compnay Name"].field
        is None
    )


def test_values_that_do_not_fit_the_header_are_moved_or_flagged(mappings: dict[str, Any]) -> None:
    samples = {
        "Website": ["https://linkedin.com/company/acme", "linkedin.com/company/beta/"],
        "Domain": ["ann@acme.com", "bob@beta.io", "carl@gamma.de"],
        "Company LinkedIn": ["https://www.linkedin.com/company/acme"],
    }
    mapping = detect_mapping(
        ["Website", "Domain", "Company LinkedIn"], mappings, "people", samples=samples
    )
    assert mapping["Domain"].field == "Email"
    assert mapping["Domain"].note is not None
    # the company LinkedIn field is taken by its own column, and the values are no website
    assert mapping["Website"].field is None
    assert "LinkedIn" in (mapping["Website"].note or "")


def test_to_json_has_the_contract_keys(mappings: dict[str, Any]) -> None:
    assert detect_mapping(["Email"], mappings, "people")["Email"].to_json() == {
        "field": "Email",
        "score": 100,
    }


@pytest.mark.parametrize(
    ("headers", "table_type"),
    [
        (["First Name", "Last Name", "Email", "Company", "Website"], "people"),
        (["Company Name", "Website", "Industry", "Employees", "Founded"], "company"),
        (["Full Name", "Title", "LinkedIn"], "people"),
        (["organization", "domain", "sector", "HQ"], "company"),
    ],
)
def test_detect_table_type(mappings: dict[str, Any], headers: list[str], table_type: str) -> None:
    assert detect_table_type(headers, mappings) == table_type


def test_standard_fields_follow_document_order(mappings: dict[str, Any]) -> None:
    fields = standard_fields(mappings, "people")
    assert fields[:3] == ["First Name", "Last Name", "Full Name"]
    assert {"Email", "Phone"} <= set(fields)
    assert "Company Phone" in standard_fields(mappings, "company")
