"""Cleaning steps: whitespace, domains, LinkedIn, e-mails, names; every change counted."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.processing.domains import clean_domains, clean_linkedin
from app.processing.names import title_case_name
from app.processing.normalize import clean_table, clean_whitespace


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("  Acme   Inc ", "Acme Inc"),
        ("Acme\u00a0Inc", "Acme Inc"),
        ("Ac\u200bme\ufeff", "Acme"),
        ("line\r\nbreak\tand tab", "line break and tab"),
        ("\u00a0 \u200b", None),
        ("", None),
        ("plain", "plain"),
    ],
)
def test_whitespace_is_trimmed_and_collapsed(value: str, cleaned: str | None) -> None:
    assert clean_whitespace(pa.array([value])).to_pylist() == [cleaned]


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(
    "[ \\t\\n\\r\\x0b\\x0c\\x85\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+"
)


def _reference_whitespace(value: str | None) -> str | None:
    if value is None:
        return None
    return _SPACES.sub(" ", _INVISIBLE.sub("", value)).strip(" ") or None


@given(
    st.lists(
        st.none()
        | st.text(alphabet=st.sampled_from("ab é\t\n\r\x0b\u00a0\u200b\u3000\u00ad,"))
        | st.text(),
        max_size=30,
    ),
    st.integers(0, 5),
)
def test_whitespace_cleaning_matches_the_rule_on_every_value(
    values: list[str | None], skip: int
) -> None:
    # a sliced array too: the byte-level check reads the buffers with the array's offset
    array = pa.array(values, pa.string()).slice(min(skip, len(values)))
    expected = [_reference_whitespace(v) for v in values[min(skip, len(values)) :]]
    assert clean_whitespace(array).to_pylist() == expected


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("https://www.Acme.com/about?x=1#top", "acme.com"),
        ("http://user:pw@acme.com:8080/", "acme.com"),
        ("www2.acme.co.uk.", "acme.co.uk"),
        ("m.acme.io", "acme.io"),
        ("ACME.COM/about", "acme.com"),
        ("https://www.acme.com/#", "acme.com"),
        ("acme.com/contact?utm_source=list", "acme.com"),
        ("ann@Acme.com", "acme.com"),
        ("mailto:ann@acme.com", "acme.com"),
        ("http://xn--mnchen-3ya.de", "münchen.de"),
        ("MÜNCHEN.de", "münchen.de"),
        ("www.com", "www.com"),
        ("not a domain", "not a domain"),
        ("N/A", "N/A"),
    ],
)
def test_domains_are_cleaned_or_left_as_they_were(value: str, cleaned: str) -> None:
    assert clean_domains(pa.array([value])).to_pylist() == [cleaned]


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("linkedin.com/in/John-Doe-12/", "https://www.linkedin.com/in/john-doe-12"),
        ("http://www.linkedin.com/in/jd?trk=public_profile", "https://www.linkedin.com/in/jd"),
        ("https://uk.linkedin.com/in/jd", "https://www.linkedin.com/in/jd"),
        ("www.linkedin.com/company/Acme-Inc", "https://www.linkedin.com/company/acme-inc"),
        ("https://www.linkedin.com/company/acme/about/", "https://www.linkedin.com/company/acme"),
        ("acme-inc", "acme-inc"),
        ("https://twitter.com/acme", "https://twitter.com/acme"),
    ],
)
def test_linkedin_urls_get_one_canonical_form(value: str, cleaned: str) -> None:
    assert clean_linkedin(pa.array([value])).to_pylist() == [cleaned]


@pytest.mark.parametrize(
    ("value", "cased"),
    [
        ("JOHN MCDONALD", "John McDonald"),
        ("o'brien", "O'Brien"),
        ("mary-jane smith-jones", "Mary-Jane Smith-Jones"),
        ("jan van der berg", "Jan van der Berg"),
        ("LUDWIG VON MISES", "Ludwig von Mises"),
        ("ana da silva", "Ana da Silva"),
        ("macleod", "MacLeod"),
        ("mack", "Mack"),
    ],
)
def test_names_title_case_respects_prefixes_hyphens_and_particles(value: str, cased: str) -> None:
    assert title_case_name(value) == cased


def test_clean_table_cleans_people_and_counts_each_change(mappings: dict[str, Any]) -> None:
    table = pa.table(
        {
            "First Name": ["JOHN", None, "McKenzie"],
            "Last Name": ["mcdonald", None, "DE VRIES"],
            "Full Name": [None, "jan van der berg", None],
            "Email": [" John@X.COM", "mailto:a@b.de", None],
            "LinkedIn Profile": ["linkedin.com/in/John-D?trk=1", None, None],
            "Company Website": ["https://www.Acme.com/about", "ann@acme.io", "n/a"],
        }
    )
    result = clean_table(table, mappings, "people")
    assert result.table.to_pylist() == [
        {
            "First Name": "John",
            "Last Name": "McDonald",
            "Full Name": "John McDonald",
            "Email": "john@x.com",
            "LinkedIn Profile": "https://www.linkedin.com/in/john-d",
            "Company Website": "acme.com",
        },
        {
            "First Name": "Jan",
            "Last Name": "van der Berg",
            "Full Name": "Jan van der Berg",
            "Email": "a@b.de",
            "LinkedIn Profile": None,
            "Company Website": "acme.io",
        },
        {
            "First Name": "McKenzie",
            "Last Name": "De Vries",
            "Full Name": "McKenzie De Vries",
            "Email": None,
            "LinkedIn Profile": None,
            "Company Website": None,  # a placeholder is no website
        },
    ]
    counts = result.counts
    assert counts["placeholders_cleared"] == 1
    assert result.placeholders == [{"input_row": 3, "field": "Company Website", "value": "n/a"}]
    assert counts["domains_cleaned"] == 2
    assert counts["emails_cleaned"] == 2
    assert counts["linkedin_cleaned"] == 1
    assert counts["names_cased"] == 4
    assert counts["names_filled"] == 4
    assert table.column("First Name").to_pylist() == ["JOHN", None, "McKenzie"]  # not mutated


def test_clean_table_fills_the_company_handle_from_the_url(mappings: dict[str, Any]) -> None:
    table = pa.table(
        {
            "Company LinkedIn": ["linkedin.com/company/Acme/", None],
            "Company LinkedIn Handle": [None, "https://www.linkedin.com/company/beta"],
        }
    )
    result = clean_table(table, mappings, "company")
    assert result.table.column("Company LinkedIn Handle").to_pylist() == ["acme", "beta"]
    assert result.counts["handles_filled"] == 1


def test_switches_off_skip_their_steps(mappings: dict[str, Any]) -> None:
    table = pa.table({"Company Domain": ["https://www.acme.com/"], "Company Name": [" ACME  "]})
    untouched = clean_table(table, mappings, "company", clean_domains_on=False, normalize_on=False)
    assert untouched.table.to_pylist() == table.to_pylist()
    assert set(untouched.counts.values()) == {0}
    domains_only = clean_table(table, mappings, "company", normalize_on=False)
    assert domains_only.table.to_pylist() == [
        {"Company Domain": "acme.com", "Company Name": " ACME  "}
    ]


@pytest.mark.parametrize("value", ["N/A", "n/a", "none", "NULL", "-", "\u2014", "?", " Unknown "])
def test_placeholder_values_become_empty_in_any_field(mappings: dict[str, Any], value: str) -> None:
    table = pa.table(
        {
            "Email": [value, "ann@acme.com"],
            "Company Website": [value, "acme.com"],
            "First Name": [value, "Na"],
            "Notes": [value, "-5"],
        }
    )
    result = clean_table(table, mappings, "people")
    assert result.table.to_pylist()[0] == dict.fromkeys(table.column_names)
    assert result.table.to_pylist()[1]["First Name"] == "Na"  # a surname, not a placeholder
    assert result.counts["placeholders_cleared"] == 4
