"""Deduplication rules and smart merge, on small inline tables."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from app.processing.dedupe import dedupe
from app.processing.merge import merge_clusters
from app.processing.options import MergeOptions

PEOPLE = MergeOptions("people")
COMPANY = MergeOptions("company")


def clusters(labels: list[int]) -> list[list[int]]:
    """Rows grouped by cluster, in first-appearance order."""
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(label, []).append(row)
    return list(groups.values())


def people(**columns: list[str | None]) -> pa.Table:
    return pa.table({k.replace("_", " "): pa.array(v, pa.string()) for k, v in columns.items()})


def test_companies_match_on_domain_linkedin_or_fuzzy_name(mappings: dict[str, Any]) -> None:
    table = pa.table(
        {
            "Company Name": [
                "Acme Inc",
                "ACME",
                "Brightwave Labs",
                "Brightwave Labs LLC",
                "Brightwave Lab",
                "Zenora Systems",
                "Zenora Systms, Inc.",
            ],
            "Company Domain": [
                "acme.com",
                "https://www.acme.com/",
                "brightwave.io",
                None,
                "brightwavelab.com",
                "zenora.com",
                None,
            ],
            "Company LinkedIn": [
                None,
                None,
                None,
                None,
                None,
                "linkedin.com/company/zenora",
                "https://www.linkedin.com/company/zenora/",
            ],
        }
    )
    result = dedupe(table, mappings=mappings, options=COMPANY)
    assert clusters(result.labels) == [[0, 1], [2, 3], [4], [5, 6]]
    rules = {(e.a, e.b): e.rule for e in result.edges}
    assert rules[(0, 1)] == "domain"
    assert rules[(5, 6)] == "linkedin"


def test_fuzzy_company_names_with_conflicting_domains_stay_apart(mappings: dict[str, Any]) -> None:
    table = pa.table(
        {
            "Company Name": ["Novara Systems", "Novora Systems"],
            "Company Domain": ["novara.com", "novora.com"],
        }
    )
    assert clusters(dedupe(table, mappings=mappings, options=COMPANY).labels) == [[0], [1]]


def test_people_match_on_email_linkedin_or_name_and_company(mappings: dict[str, Any]) -> None:
    table = people(
        Full_Name=["John Smith", "john smith", "Jon Smith", "John Smith", "Mary Lee", "Mary Lee"],
        Email=["js@acme.com", "JS@ACME.COM", None, None, "mary@acme.com", None],
        LinkedIn_Profile=[None, None, None, None, None, "linkedin.com/in/mary-lee"],
        Company_Name=["Acme", "Acme", "Acme Inc.", "Beta Corp", "Acme", "Acme"],
        Company_Website=["acme.com", None, "acme.com", "beta.com", None, None],
    )
    result = dedupe(table, mappings=mappings, options=PEOPLE)
    # row 2 is "Jon Smith" at acme.com (a typo of John), row 3 is another John Smith elsewhere
    assert clusters(result.labels) == [[0, 1, 2], [3], [4, 5]]


def test_people_without_company_names_still_match_in_later_rounds(
    mappings: dict[str, Any],
) -> None:
    # every company name is empty: a later round's blocks by company name hold no row at all
    table = people(
        Full_Name=["John Smith", "Jon Smith", "Johnny Smith"],
        Company_Name=[None, None, None],
        Company_Website=["acme.com", "acme.com", "acme.com"],
    )
    assert clusters(dedupe(table, mappings=mappings, options=PEOPLE).labels) == [[0, 1, 2]]


def test_people_with_different_emails_are_not_merged_by_name(mappings: dict[str, Any]) -> None:
    table = people(
        Full_Name=["Mary Smith", "Mark Smith"],
        Email=["mary@acme.com", "mark@acme.com"],
        Company_Website=["acme.com", "acme.com"],
    )
    assert clusters(dedupe(table, mappings=mappings, options=PEOPLE).labels) == [[0], [1]]


def test_the_threshold_is_the_match_probability_a_pair_needs(mappings: dict[str, Any]) -> None:
    table = people(Full_Name=["Jonathan Smith", "Jonathon Smith"], Company_Name=["Acme", "Acme"])
    loose = dedupe(table, mappings=mappings, options=MergeOptions("people", threshold=85))
    assert clusters(loose.labels) == [[0, 1]]
    probability = loose.explanations[(0, 1)].probability
    assert 0.85 <= probability < 1
    above = min(100, int(probability * 100) + 1)
    strict = dedupe(table, mappings=mappings, options=MergeOptions("people", threshold=above))
    assert clusters(strict.labels) == [[0], [1]]
    assert [(m.a, m.b) for m in strict.near_misses] == [(0, 1)]  # listed as possible


def test_smart_merge_fills_gaps_from_the_cluster_and_reports_conflicts() -> None:
    table = pa.table(
        {
            "Name": ["Acme", "Acme Inc", "Beta", "ACME"],
            "Domain": ["acme.com", "acme.com", "beta.io", None],
            "Industry": [None, "Software", "Retail", "Hardware"],
            "City": [None, None, None, "Berlin"],
        }
    )
    result = merge_clusters(table, [0, 0, 2, 0], smart=True)
    assert result.table.to_pylist() == [
        {"Name": "Acme Inc", "Domain": "acme.com", "Industry": "Software", "City": "Berlin"},
        {"Name": "Beta", "Domain": "beta.io", "Industry": "Retail", "City": None},
    ]
    assert result.labels == [0, 2]
    assert result.fields_merged == 1
    assert result.conflicts == {
        0: {"Name": ["Acme", "Acme Inc", "ACME"], "Industry": ["Software", "Hardware"]}
    }


def test_without_smart_merge_the_first_row_is_kept_as_it_is() -> None:
    table = pa.table({"Name": ["Acme", "Acme Inc"], "City": [None, "Berlin"]})
    result = merge_clusters(table, [0, 0], smart=False)
    assert result.table.to_pylist() == [{"Name": "Acme", "City": None}]
    assert result.fields_merged == 0


@pytest.mark.parametrize("options", [PEOPLE, MergeOptions("people", threshold=70)])
def test_dedupe_is_deterministic_and_orders_by_first_appearance(
    mappings: dict[str, Any], options: MergeOptions
) -> None:
    table = people(
        Full_Name=["B One", "A Two", "B One", "A Two"],
        Email=["b@x.io", "a@x.io", "B@x.io", "a@x.io"],
    )
    first = dedupe(table, mappings=mappings, options=options)
    assert first == dedupe(table, mappings=mappings, options=options)
    merged = merge_clusters(table, first.labels)
    assert merged.table.column("Full Name").to_pylist() == ["B One", "A Two"]
