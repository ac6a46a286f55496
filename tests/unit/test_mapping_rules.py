"""The mappings document's rules: every problem names its path; diffs list what changed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.services import mapping_rules as rules

SHIPPED = Path(__file__).resolve().parents[2] / "mappings" / "field_mappings.json"


def small_document() -> dict[str, Any]:
    return {
        "company_mappings": {"Company Name": ["company", "organisation"]},
        "people_mappings": {"Email": ["email", "e-mail"], "First Name": ["fname"]},
        "data_cleaning_rules": {
            "domain_prefixes_to_remove": ["https://", "www."],
            "normalize_whitespace": True,
            "standardize_case": {"domains": "lowercase", "names": "title_case"},
        },
    }


def with_change(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document = small_document()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


def test_the_shipped_document_is_valid() -> None:
    assert rules.validate(json.loads(SHIPPED.read_text())) == []


def test_a_small_valid_document_has_no_problems() -> None:
    assert rules.validate(small_document()) == []


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        ([], "$", "JSON object"),
        ({**small_document(), "extra": {}}, "extra", "unknown top-level key"),
        (with_change(("people_mappings",), ["Email"]), "people_mappings", "must be an object"),
        (with_change(("people_mappings",), {}), "people_mappings", "at least one field"),
        (
            with_change(("people_mappings", "Email"), "email"),
            'people_mappings["Email"]',
            "must be a list",
        ),
        (
            with_change(("people_mappings", "Email"), ["email", ""]),
            'people_mappings["Email"][1]',
            "non-empty string",
        ),
        (
            with_change(("people_mappings", "Email"), ["email", "  "]),
            'people_mappings["Email"][1]',
            "non-empty string",
        ),
        (
            with_change(("people_mappings", "Email"), ["email", 7]),
            'people_mappings["Email"][1]',
            "non-empty string",
        ),
        (with_change(("people_mappings", " "), ["x"]), 'people_mappings[" "]', "name is empty"),
        (with_change(("people_mappings", "#"), ["x"]), 'people_mappings["#"]', "letter or digit"),
        (
            with_change(("people_mappings", "EMAIL"), ["work email"]),
            'people_mappings["EMAIL"]',
            'same field as "Email"',
        ),
        (
            with_change(("people_mappings", "First Name"), ["fname", "E-mail"]),
            'people_mappings["First Name"][1]',
            'people_mappings["Email"][1]',
        ),
        (
            with_change(("people_mappings", "First Name"), ["fname", "  EMAIL "]),
            'people_mappings["First Name"][1]',
            "already listed",
        ),
        (
            with_change(("people_mappings", "First Name"), ["first", "First"]),
            'people_mappings["First Name"][1]',
            'people_mappings["First Name"][0]',
        ),
        (
            with_change(("data_cleaning_rules",), ["www."]),
            "data_cleaning_rules",
            "must be an object",
        ),
        (
            with_change(("data_cleaning_rules", "normalize_whitespace"), "yes"),
            'data_cleaning_rules["normalize_whitespace"]',
            "true or false",
        ),
        (
            with_change(("data_cleaning_rules", "domain_prefixes_to_remove"), "www."),
            'data_cleaning_rules["domain_prefixes_to_remove"]',
            "list of non-empty strings",
        ),
        (
            with_change(("data_cleaning_rules", "domain_suffixes_to_remove"), ["/", ""]),
            'data_cleaning_rules["domain_suffixes_to_remove"][1]',
            "non-empty string",
        ),
        (
            with_change(("data_cleaning_rules", "standardize_case"), {"domains": "loud"}),
            'data_cleaning_rules["standardize_case"]["domains"]',
            "must be one of",
        ),
        (
            with_change(("data_cleaning_rules", "standardize_case"), "lowercase"),
            'data_cleaning_rules["standardize_case"]',
            "must be an object",
        ),
        (
            with_change(("data_cleaning_rules", "shout"), True),
            'data_cleaning_rules["shout"]',
            "unknown cleaning rule",
        ),
    ],
)
def test_each_problem_names_its_path_and_why(document: Any, path: str, words: str) -> None:
    problems = rules.validate(document)
    assert [p.path for p in problems] == [path]
    assert words in problems[0].message


def test_a_synonym_may_repeat_across_table_types_and_its_own_field_name() -> None:
    document = small_document()
    document["company_mappings"]["Email"] = ["email"]
    document["people_mappings"]["Email"].append("Email")
    assert rules.validate(document) == []


def test_key_path_quotes_names_as_json_and_keeps_unicode() -> None:
    assert rules.key_path("people_mappings", 'Say "hi"', 3) == 'people_mappings["Say \\"hi\\""][3]'
    assert rules.key_path("company_mappings", "Sociét\u00e9") == 'company_mappings["Société"]'


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("First Name", "first-name"),
        ("E-mail", "e-mail"),
        ("  Company  LinkedIn URL", "company-linkedin-url"),
        ("Année", "année"),
        ("#", ""),
    ],
)
def test_field_key_is_lowercase_words_joined_by_dashes(name: str, key: str) -> None:
    assert rules.field_key(name) == key


def test_complete_keeps_omitted_sections_from_the_base() -> None:
    base = small_document()
    given = {"people_mappings": {"Phone": ["tel"]}}
    merged = rules.complete(given, base)
    assert list(merged) == list(rules.SECTIONS)
    assert merged["people_mappings"] == {"Phone": ["tel"]}
    assert merged["company_mappings"] == base["company_mappings"]
    merged["company_mappings"]["Company Name"].append("x")
    assert "x" not in base["company_mappings"]["Company Name"]


def test_complete_keeps_unknown_keys_so_validation_reports_them() -> None:
    merged = rules.complete({"colour": "blue"}, small_document())
    assert [p.path for p in rules.validate(merged)] == ["colour"]


def test_tidy_strips_names_and_synonyms() -> None:
    document = with_change(("people_mappings",), {" Email ": [" email ", "mail"]})
    assert rules.tidy(document)["people_mappings"] == {"Email": ["email", "mail"]}


def test_diff_of_a_document_with_itself_is_empty() -> None:
    assert rules.diff(small_document(), small_document()).is_empty


def test_diff_lists_fields_synonyms_and_rules_added_and_removed() -> None:
    old = small_document()
    new = copy.deepcopy(old)
    new["people_mappings"]["Email"] = ["email", "courriel"]
    new["people_mappings"]["Phone"] = ["tel"]
    del new["people_mappings"]["First Name"]
    new["data_cleaning_rules"]["normalize_whitespace"] = False
    new["data_cleaning_rules"]["remove_extra_spaces"] = True
    del new["data_cleaning_rules"]["domain_prefixes_to_remove"]
    changes = rules.diff(old, new)
    company, people = changes.tables
    assert company.table_type == "company" and company.is_empty
    assert people.fields_added == (rules.FieldChange("Phone", ("tel",)),)
    assert people.fields_removed == (rules.FieldChange("First Name", (), ("fname",)),)
    assert people.fields_changed == (rules.FieldChange("Email", ("courriel",), ("e-mail",)),)
    kinds = {change.rule: change.kind for change in changes.rules}
    assert kinds == {
        "domain_prefixes_to_remove": "removed",
        "normalize_whitespace": "changed",
        "remove_extra_spaces": "added",
    }
    assert not changes.is_empty
