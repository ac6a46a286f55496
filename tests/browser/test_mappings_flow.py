"""Field mappings in a real browser: add a synonym, preview it, diff the versions, roll back."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SYNONYM = "zorblax contact"
HEADER = "Zorblax Contact"
EMAIL = "#field-people-email"
# Set on a page after it loads; a full reload or navigation would drop it.
MARK = "() => { window.stillTheSamePage = true; }"
IS_MARKED = "() => window.stillTheSamePage === true"


def current_version(page: Any) -> int:
    return int(page.locator("#current-version").inner_text())


def preview_row(page: Any, header: str) -> Any:
    """The preview table's row for one header, after typing it into the preview box."""
    page.get_by_label("Table type").select_option("people")
    page.get_by_label("Column headers").fill(header)
    row = page.locator("#preview tbody tr", has=page.locator("th", has_text=header))
    expect(row).to_have_count(1)
    return row


def compare(page: Any, old: int, new: int) -> None:
    """Choose two versions in the compare form and wait for htmx to swap in their diff."""
    page.get_by_label("From version").select_option(str(old))
    page.get_by_label("To version").select_option(str(new))
    with page.expect_response(
        lambda r: "/mappings/history/diff" in r.url and f"old={old}&new={new}" in r.url and r.ok
    ):
        page.get_by_role("button", name="Compare").click()
    expect(page.locator("#diff")).to_contain_text(f"Changes from version {old} to version {new}")


def test_added_synonym_maps_shows_in_the_diff_and_rolling_back_removes_it(page: Any) -> None:
    page.goto("/mappings")
    page.evaluate(MARK)
    before = current_version(page)
    document = page.locator("#raw-document").input_value()
    email = page.locator(EMAIL)
    synonyms = email.locator("ul.synonyms .synonym")
    expect(synonyms.first).to_be_visible()
    assert SYNONYM not in synonyms.all_inner_texts()
    expect(preview_row(page, HEADER)).to_have_class("unmapped")

    email.get_by_label("Add a synonym to Email", exact=True).fill(SYNONYM)
    email.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(f"{EMAIL} ul.synonyms .synonym").last).to_have_text(SYNONYM)
    remove = f"Remove synonym {SYNONYM} from Email"
    expect(page.locator(EMAIL).get_by_role("button", name=remove)).to_be_visible()
    added = before + 1
    expect(page.locator("#current-version")).to_have_text(str(added))
    expect(page.locator(f"{EMAIL} input[name=synonym]")).to_have_value("")
    # The preview box maps against the new version at once.
    cells = preview_row(page, HEADER).locator("td")
    expect(cells.nth(0)).to_have_text("Email")
    expect(cells.nth(1)).to_have_text("100")
    assert page.evaluate(IS_MARKED), "adding a synonym reloaded the page"

    page.get_by_role("link", name="History, diff and rollback").click()
    page.wait_for_url("**/mappings/history")
    page.evaluate(MARK)
    newest = page.locator(f"#version-{added}")
    expect(newest).to_have_class("current")
    expect(newest).to_contain_text(f'Added synonym "{SYNONYM}" to Email (people)')
    # Newest first, so the reverse order shows the synonym as removed.
    compare(page, added, before)
    removed = page.locator("#diff-people li.changed", has_text="Email").locator("del.removed")
    expect(removed).to_have_text(f"removed synonym − {SYNONYM}")
    compare(page, before, added)
    change = page.locator("#diff-people li.changed", has_text="Email")
    expect(change).to_have_count(1)
    expect(change.locator("ins.added")).to_have_text(f"added synonym + {SYNONYM}")
    expect(change.locator("del.removed")).to_have_count(0)

    page.locator(f"#version-{before}").get_by_role(
        "button", name=f"Roll back to version {before}"
    ).click()
    confirm = page.locator("#confirm-rollback")
    expect(confirm.get_by_role("heading")).to_have_text(f"Roll back to version {before}?")
    expect(confirm).to_contain_text(f"This adds version {added + 1}")
    assert page.locator(f"#version-{added + 1}").count() == 0, "asking rolled back already"
    confirm.get_by_role("button", name=f"Yes, roll back to version {before}").click()
    restored = added + 1
    expect(page.locator("#versions .notice")).to_have_text(
        f"Rolled back: version {restored} has the mappings of version {before}."
    )
    expect(confirm).to_have_count(0)
    expect(page.locator(f"#version-{restored}")).to_have_class("current")
    expect(page.locator(f"#version-{restored}")).to_contain_text(f"Restored version {before}")
    expect(page.locator(f"#version-{added}")).not_to_have_class("current")
    # The diff refreshes itself to the rollback: the synonym it took away.
    expect(page.locator("#diff")).to_contain_text(
        f"Changes from version {added} to version {restored}"
    )
    expect(page.locator("#diff-people del.removed")).to_have_text(f"removed synonym − {SYNONYM}")
    assert page.evaluate(IS_MARKED), "rolling back reloaded the page"

    page.get_by_role("link", name="Back to the mappings").click()
    page.wait_for_url("**/mappings")
    expect(page.locator("#current-version")).to_have_text(str(restored))
    expect(page.locator(f"{EMAIL} ul.synonyms .synonym").first).to_be_visible()
    assert SYNONYM not in page.locator(f"{EMAIL} ul.synonyms .synonym").all_inner_texts()
    expect(page.locator("#raw-document")).to_have_value(document)
    row = preview_row(page, HEADER)
    expect(row).to_have_class("unmapped")
    expect(row.locator("td").first).to_have_text("not mapped")
    assert page.watched.problems == [], "\n".join(page.watched.problems)
