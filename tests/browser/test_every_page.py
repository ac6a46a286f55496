"""Every page in a real browser: no console errors, failed requests or CSP violations; a11y."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.support.receiver import Receiver

pytestmark = pytest.mark.browser

# 20 rows of 15 people: the last 5 rows are the first 5 again (one e-mail, one name)
LEADS = "First Name,Last Name,Email,Company\n" + "".join(
    f"Ada,Lovelace{i % 15},ada{i % 15}@example.org,Engines {i % 15}\n" for i in range(20)
)
# Runs in the page: what a screen-reader user would miss.
AUDIT = """() => {
  const isShown = (el) => el.getClientRects().length > 0 && !el.closest("[hidden]");
  const fields = [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden");
  const unlabelled = fields
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                    && !el.getAttribute("aria-labelledby"))
    .map((el) => el.outerHTML.slice(0, 160));
  const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter(isShown).map((h) => Number(h.tagName[1]));
  const live = [...document.querySelectorAll("[aria-live]")]
    .map((el) => el.getAttribute("aria-live"));
  return {unlabelled, levels, live, lang: document.documentElement.lang, title: document.title};
}"""


def start_job(page: Any, receiver: Receiver) -> str:
    """A small job through the JSON API, in the page's own session."""
    upload = page.request.post(
        "/api/upload",
        multipart={
            "files": {"name": "leads.csv", "mimeType": "text/csv", "buffer": LEADS.encode()}
        },
    )
    assert upload.status == 200, upload.text()
    body = {
        "upload_id": upload.json()["upload_id"],
        "table_type": "people",
        "webhook_url": receiver.url,
        "webhook_rate_limit": 5,
    }
    started = page.request.post("/api/process", data=body)
    assert started.status == 202, started.text()
    return str(started.json()["job_id"])


def audit(page: Any, path: str) -> dict[str, Any]:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, (
        f"{path} answered {answer and answer.status}"
    )
    page.wait_for_load_state("networkidle")
    found: dict[str, Any] = page.evaluate(AUDIT)
    assert found["unlabelled"] == [], f"{path}: fields without a label: {found['unlabelled']}"
    levels = found["levels"]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{path}: headings {levels}"
    skipped = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert skipped == [], f"{path}: heading levels skip {skipped}"
    assert "polite" in found["live"], f"{path}: no polite live region"
    assert found["lang"] == "en" and found["title"].endswith("CSV Merger")
    return found


def test_every_page_loads_cleanly_and_is_labelled(page: Any, receiver: Receiver) -> None:
    job_id = start_job(page, receiver)
    audit(page, f"/jobs/{job_id}")
    expect(page.locator("progress#progress-bar")).to_have_attribute("max", "100")
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(page.locator("#progress")).to_have_attribute("data-status", "completed", timeout=20_000)
    expect(announcer).to_contain_text("Merge finished: 15 records, 15 sent.")
    expect(page.locator("#progress-bar")).to_have_attribute("value", "100.0")
    for path in ("/", "/jobs", "/mappings", "/mappings/history", "/storage"):
        audit(page, path)
        if path == "/mappings/history":
            screenshot(page, "mappings-history")
    assert page.watched.problems == [], "\n".join(page.watched.problems)


def test_keyboard_reaches_the_controls_with_a_visible_focus(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, getComputedStyle(document.activeElement)"
        ".outlineStyle]"
    )
    assert focused == ["skip-link", "solid"]
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "file-input":
            break
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    )
    assert outline == "solid"
    deadline = time.monotonic() + 5
    while page.evaluate("() => document.activeElement.name") != "table_type":
        assert time.monotonic() < deadline, "the table type could not be reached by keyboard"
        page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=table_type][value=company]")).to_be_checked()
    assert page.watched.problems == [], "\n".join(page.watched.problems)


def test_a_missing_job_shows_a_plain_error_page(page: Any) -> None:
    answer = page.goto("/jobs/" + "0" * 32)
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that")
    expect(page.get_by_role("alert")).to_have_text("That job does not exist.")
    problems = [p for p in page.watched.problems if "404" not in p]
    assert problems == []
