"""Each comparison, each variant rule, the weights' rarity and the cluster split."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from app.processing import variants as v
from app.processing.comparisons import (
    MISSING,
    branch_levels,
    company_name_levels,
    email_levels,
    given_name_levels,
    street_levels,
)
from app.processing.conflicts import compatible_given
from app.processing.dedupe import dedupe
from app.processing.features import Features, build_features
from app.processing.options import MergeOptions


def clusters(labels: list[int]) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(label, []).append(row)
    return list(groups.values())


def table(**columns: list[str | None]) -> pa.Table:
    return pa.table({k.replace("_", " "): pa.array(c, pa.string()) for k, c in columns.items()})


def levels(compute: Any, features: Features, pairs: list[tuple[int, int]]) -> list[int]:
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    return compute(features, a, b).tolist()  # type: ignore[no-any-return]


# --- variants -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("bob", "robert"),
        ("bernie", "bernard"),
        ("chuck", "charles"),
        ("liz", "elizabeth"),
        ("bill", "william"),
        ("bob", "bobby"),
    ],
)
def test_nicknames_are_variants_of_the_given_name(a: str, b: str) -> None:
    assert v.are_name_variants(a, b)


@pytest.mark.parametrize(("a", "b"), [("mary", "mark"), ("robert", "william"), ("john", "paul")])
def test_different_given_names_are_not_variants(a: str, b: str) -> None:
    assert not v.are_name_variants(a, b)


def test_feminine_endings_make_another_name_but_typos_do_not() -> None:
    assert not compatible_given("robert", "roberta")
    assert not compatible_given("paul", "paula")
    assert compatible_given("jonathan", "jonathon")
    assert compatible_given("j", "john")


def test_person_names_lose_honorifics_suffixes_accents_and_turn_round() -> None:
    full = pa.array(
        [
            "Dr. Jessica Hargrove",
            "DONOVAN, Craig",
            "Theodore Connolly, PhD",
            "William Whitaker Jr.",
            "José Müller",
            "Jan van der Berg",
        ]
    )
    given, surname = v.person_name_parts(full, None, None)
    assert given is not None and surname is not None
    assert given.to_pylist() == ["jessica", "craig", "theodore", "william", "jose", "jan"]
    assert surname.to_pylist() == [
        "hargrove",
        "donovan",
        "connolly",
        "whitaker",
        "muller",
        "vanderberg",
    ]


def test_phones_in_any_format_have_one_key() -> None:
    keys = v.phone_key(
        pa.array(
            [
                "+1 512-555-0134",
                "(512) 555 0134",
                "5125550134 x22",
                "+44 20 7946 0958",
                "020 7946 0958",
                "555-1234",
            ]
        )
    ).to_pylist()
    assert keys[0] == keys[1] == keys[2]
    assert keys[3] == keys[4]
    assert keys[5] is None  # too short to say whose it is


def test_emails_lose_case_and_plus_tags_and_role_mailboxes_are_known() -> None:
    address, domain, role = v.email_parts(
        pa.array(["Craig.Mendoza+leads@Yellowfin.com", "info@acme.com", "not an address"])
    )
    assert address.to_pylist() == ["craig.mendoza@yellowfin.com", "info@acme.com", None]
    assert domain.to_pylist()[:2] == ["yellowfin.com", "acme.com"]
    assert role.to_pylist() == [False, True, False]


@pytest.mark.parametrize(
    ("name", "core", "branch"),
    [
        ("Acme GmbH", "acme", None),
        ("The Acme Company, Inc.", "acme", None),
        ("Philips N.V.", "philips", None),
        ("Banco Santander S.A.", "banco santander", None),
        ("St. Mary's Hosp. II", "st marys hospital", "ii"),
        ("Saint Marys Hospital", "st marys hospital", None),
        ("Zephyr Pharmacy #2", "zephyr pharmacy", "2"),
        ("Boston Public Library - North End Branch", "boston public library end", "north"),
        ("Clearwater MS", "clearwater middle school", None),
    ],
)
def test_company_names_lose_legal_forms_and_keep_branches_apart(
    name: str, core: str, branch: str | None
) -> None:
    cores, branches = v.company_parts(pa.array([name]))
    assert (cores.to_pylist()[0], branches.to_pylist()[0]) == (core, branch)


def test_streets_are_spelled_one_way_with_their_number_apart() -> None:
    streets, numbers = v.street_parts(pa.array(["6642 Forest Avenue", "6642 Forest Ave."]))
    assert streets.to_pylist() == ["6642 forest ave", "6642 forest ave"]
    assert numbers.to_pylist() == ["6642", "6642"]


# --- comparisons ----------------------------------------------------------------------------


def test_given_name_levels(mappings: dict[str, Any]) -> None:
    features = build_features(
        table(First_Name=["Bob", "Robert", "J.", "John", "Jonh", "Mary", None]), mappings, "people"
    )
    pairs = [(0, 1), (2, 3), (3, 4), (3, 5), (5, 6)]
    assert levels(given_name_levels, features, pairs) == [0, 1, 2, 3, MISSING]


def test_email_levels_tell_role_and_colleague_addresses_apart(mappings: dict[str, Any]) -> None:
    features = build_features(
        table(
            Email=[
                "ann@acme.com",
                "ANN@acme.com",
                "info@acme.com",
                "info@acme.com",
                "bob@acme.com",
                "ann@other.io",
            ]
        ),
        mappings,
        "people",
    )
    pairs = [(0, 1), (2, 3), (0, 4), (0, 5)]
    assert levels(email_levels, features, pairs) == [0, 1, 2, 3]


def test_street_levels_see_a_different_house_number(mappings: dict[str, Any]) -> None:
    features = build_features(
        table(Street_Address=["12 Main Street", "12 Main St.", "12 Main St Ste 4", "14 Main St"]),
        mappings,
        "people",
    )
    assert levels(street_levels, features, [(0, 1), (1, 2), (1, 3)]) == [0, 1, 2]


def test_branch_and_company_name_levels(mappings: dict[str, Any]) -> None:
    features = build_features(
        table(
            Company_Name=[
                "Clinic II",
                "Clinic II",
                "Clinic I",
                "Clinic",
                "Samsung Electronics",
                "Samsung Electronic",
                "Acme Labs",
                "Acne Labs",
            ]
        ),
        mappings,
        "company",
    )
    assert levels(branch_levels, features, [(0, 1), (0, 2), (0, 3), (4, 5)]) == [0, 1, 2, MISSING]
    # a typo in a long name, only close where the first word differs; "Clinic I" is no typo
    assert levels(company_name_levels, features, [(4, 5), (6, 7), (0, 2)]) == [1, 2, 2]


# --- rarity, evidence against, the cluster split ----------------------------------------------


def test_a_shared_switchboard_says_little_and_a_direct_line_much(
    mappings: dict[str, Any],
) -> None:
    switchboard = "+1 512 555 0100"
    people = table(
        Full_Name=[
            "Ann Lee",
            "Bob Roe",
            "Cid Poe",
            "Dee Fox",
            "Eve Ray",
            "Ann Lee",
            "Al Kim",
            "Al Kim",
        ],
        Phone=[switchboard] * 6 + ["+1 512 555 0199", "(512) 555-0199"],
    )
    found = dedupe(people, mappings=mappings, options=MergeOptions("people"))
    assert clusters(found.labels) == [[0, 5], [1], [2], [3], [4], [6, 7]]
    shared = found.explanations[(0, 5)].fields["phone"][1]
    direct = found.explanations[(6, 7)].fields["phone"][1]
    assert direct > shared + 2


def test_namesakes_at_one_employer_and_role_addresses_stay_apart(
    mappings: dict[str, Any],
) -> None:
    people = table(
        First_Name=["Robert", "Roberta", "Nina", "Farah", "Robert"],
        Last_Name=["Hargrove", "Hargrove", "Halvorsen", "Brennan", "Hargrove"],
        Email=[None, None, "info@ember.co", "info@ember.co", "rh@cobalt.com"],
        Company_Name=["Cobalt Logistics", "Cobalt Logistics", "Ember", "Ember", "Cobalt"],
    )
    found = dedupe(people, mappings=mappings, options=MergeOptions("people"))
    assert clusters(found.labels) == [[0, 4], [1], [2], [3]]


def test_a_chain_is_cut_where_its_ends_conflict(mappings: dict[str, Any]) -> None:
    # A and B share an e-mail, B and C a name and employer, but A and C hold two profiles
    people = table(
        Full_Name=["Ann Lee", "Ann Lee", "Ann Lee"],
        Email=["ann@acme.com", "ann@acme.com", None],
        LinkedIn_Profile=["linkedin.com/in/ann-lee-1", None, "linkedin.com/in/ann-lee-2"],
        Company_Name=["Acme", "Acme", "Acme"],
    )
    found = dedupe(people, mappings=mappings, options=MergeOptions("people"))
    assert clusters(found.labels) == [[0, 1], [2]]
    (near,) = [n for n in found.near_misses if n.refused]
    assert "LinkedIn" in (near.refused or "")


def test_people_without_company_or_email_match_on_name_and_address(
    mappings: dict[str, Any],
) -> None:
    register = table(
        First_Name=["Sarah", "Sarah", "Sarah", "Benjamin"],
        Last_Name=["Eglinton", "Eglinton", "Eglinton", "Campbell"],
        Street_Address=["19 Beasley Street", "19 Beasleyz Street", "44 Park Road", "11 Lott Pl"],
        Postal_Code=["4021", "4021", "2600", "3125"],
        Person_Location=["Naracoorte", "Naracoorte", "Canberra", "Kingston"],
    )
    found = dedupe(register, mappings=mappings, options=MergeOptions("people"))
    assert clusters(found.labels) == [[0, 1], [2], [3]]
    assert found.explanations[(0, 1)].fields["street"][0] == "close"


def test_sites_of_one_agency_and_numbered_branches_stay_apart(mappings: dict[str, Any]) -> None:
    companies = table(
        Company_Name=[
            "Harrison ELC",
            "Whitman Elementary",
            "Whitman Elementary School",
            "Zephyr Pharmacy Site 1",
            "Zephyr Pharmacy Site 2",
        ],
        Company_Domain=["seattleschools.org"] * 3 + ["zephyr.com", "zephyr.com"],
        Street_Address=[
            "9569 Madison St",
            "100 Oak Ave",
            "100 Oak Avenue",
            "7168 Sunset St",
            "12 Pine Rd",
        ],
    )
    found = dedupe(companies, mappings=mappings, options=MergeOptions("company"))
    assert clusters(found.labels) == [[0], [1, 2], [3], [4]]


def test_a_typo_in_a_long_company_name_is_the_same_company(mappings: dict[str, Any]) -> None:
    applicants = table(
        Company_Name=[
            "Samsung Electronics Co., Ltd.",
            "SAMSUNG ELECTRONIC CO LTD",
            "Acme Labs",
            "Acne Labs",
        ]
    )
    found = dedupe(applicants, mappings=mappings, options=MergeOptions("company"))
    assert clusters(found.labels) == [[0, 1], [2], [3]]


def test_people_who_are_plainly_different_stay_apart(mappings: dict[str, Any]) -> None:
    people = table(
        Full_Name=[
            "Alexander Novak",
            "Alexandra Novak",
            "John Smith Jr.",
            "John Smith Sr.",
            "Ada Okonkwo",
            "Ada Okonkwo",
        ],
        Street_Address=[None, None, "12 Oak Street", "12 Oak Street", None, None],
        Postal_Code=[None, None, "78701", "78701", None, None],
        Phone=[None, None, None, None, "(212) 555-0134", "(312) 555-0134"],
        Company_Name=["Acme Corp", "Acme Corp", None, None, None, None],
    )
    found = dedupe(people, mappings=mappings, options=MergeOptions("people"))
    assert clusters(found.labels) == [[0], [1], [2], [3], [4], [5]]


def test_an_initial_does_not_link_john_and_jane(mappings: dict[str, Any]) -> None:
    people = table(
        Full_Name=["J Smith", "John Smith", "Jane Smith"],
        Email=["js@acme.com", None, "js@acme.com"],
        Phone=["5125550134", "5125550134", None],
    )
    found = dedupe(people, mappings=mappings, options=MergeOptions("people"))
    assert len(set(found.labels)) == 2  # J joins one of them, never both
