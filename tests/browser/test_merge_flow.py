"""The whole journey in a real browser: drop, review, start, watch live, steer, fix failures."""

from __future__ import annotations

import csv
import io
import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page, screenshot
from tests.support.receiver import Receiver, always, ok

pytestmark = pytest.mark.browser

# a.csv and b.csv share 20 people (same e-mail); c.csv is new: 40 + 30 + 20 rows -> 70 records.
PEOPLE_A = "First Name,Last Name,Email,Company,Website\n" + "".join(
    f"Person{i},Last{i},p{i}@example{i % 7}.com,Company {i % 7},example{i % 7}.com\n"
    for i in range(40)
)
PEOPLE_B = "full_name;email address;Organization;LinkedIn\n" + "".join(
    f"Person{i} Last{i};P{i}@example{i % 7}.com;Company {i % 7};linkedin.com/in/person{i}\n"
    for i in range(0, 60, 2)
)
# "Job Titel" is a typo the matcher accepts with less confidence; "Notes" matches nothing.
PEOPLE_C = "Name,E-mail,Job Titel,Phone,Notes\n" + "".join(
    f"Other{i} Person{i},other{i}@elsewhere.org,Engineer,+1 555 010 {i:04d},City {i}\n"
    for i in range(20)
)
EXPECTED_RECORDS = 70
FEW = "\n".join(PEOPLE_C.splitlines()[:6]) + "\n"


def add_three_files(page: Any) -> None:
    """Two files through the picker, the third dropped on the drop zone."""
    page.set_input_files(
        "#file-input",
        [
            {"name": "a.csv", "mimeType": "text/csv", "buffer": PEOPLE_A.encode()},
            {"name": "b.csv", "mimeType": "text/csv", "buffer": PEOPLE_B.encode()},
        ],
    )
    page.locator("#drop-zone").evaluate(
        """(zone, content) => {
            const data = new DataTransfer();
            data.items.add(new File([content], "c.csv", {type: "text/csv"}));
            zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
            const drop = {dataTransfer: data, bubbles: true, cancelable: true};
            zone.dispatchEvent(new DragEvent("drop", drop));
        }""",
        PEOPLE_C,
    )
    expect(page.locator("#files li.file-card[data-upload-id]")).to_have_count(3, timeout=15_000)


def card(page: Any, filename: str) -> Any:
    return page.locator("#files li.file-card", has=page.locator("h3", has_text=filename))


def column_select(page: Any, filename: str, column: str) -> Any:
    return page.get_by_label(f"Field for column {column} of {filename}", exact=True)


def choose_rate(scope: Any, label: str) -> None:
    scope.get_by_label(label, exact=True).check()


def stat(page: Any, name: str) -> int:
    return int(page.locator(f"#progress [data-stat='{name}'] dd").inner_text().replace(",", ""))


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most requests that arrived within any `window` seconds."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def review_and_start(page: Any, receiver: Receiver, *, rate: str) -> str:
    """Check the detected mappings, override one column, set the webhook and rate, start."""
    page.goto("/")
    add_three_files(page)
    expect(page.locator("input[name=table_type][value=people]")).to_be_checked()
    assert card(page, "a.csv").locator(".file-meta").inner_text().startswith("40 rows")
    expect(column_select(page, "a.csv", "Email")).to_have_value("Email")
    expect(card(page, "b.csv").locator("tr", has_text="email address")).to_contain_text("100%")
    low = card(page, "c.csv").locator("tr.is-low")
    expect(low).to_have_count(1)
    expect(low).to_contain_text("Job Titel")
    expect(low).to_contain_text("Check")
    # Switching the type maps the columns again for that type's fields, and back.
    page.locator("label.choice", has_text="Companies").click()
    expect(column_select(page, "a.csv", "Website")).to_have_value("Company Domain")
    page.locator("label.choice", has_text="People").click()
    expect(column_select(page, "a.csv", "Website")).to_have_value("Company Website")
    column_select(page, "c.csv", "Notes").select_option("Person Location")
    expect(card(page, "c.csv").locator("tr", has_text="Notes")).to_contain_text("Your choice")
    page.get_by_label("Webhook URL").fill(receiver.url)
    page.get_by_role("button", name="Send a test record").click()
    expect(page.locator("#webhook-test")).to_contain_text("HTTP 200")
    choose_rate(page, rate)
    return page.url


def start(page: Any, receiver: Receiver) -> str:
    receiver.clear()
    page.get_by_role("button", name="Start merge").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    page.evaluate("() => { window.stillTheSamePage = true; }")
    return page.url.rsplit("/", 1)[1]


def downloaded_rows(page: Any) -> list[dict[str, str]]:
    """The merged CSV, fetched with the page's own session cookie."""
    href = page.get_by_role("link", name="Download merged CSV").get_attribute("href")
    answer = page.request.get(href)
    assert answer.status == 200
    assert "attachment" in answer.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(answer.text())))


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_drop_review_start_watch_change_rate_and_download(
    browser: Any, server: Any, receiver: Receiver, transport: str
) -> None:
    page = open_page(browser, server, block_sockets=transport == "polling")
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    try:
        review_and_start(page, receiver, rate="5/s")
        if transport == "websocket":
            screenshot(page, "upload")
        job_id = start(page, receiver)
        expect(page.locator("#progress")).to_have_attribute(
            "data-status", "delivering", timeout=15_000
        )
        first = stat(page, "sent")
        expect(page.locator("#progress [data-stat='sent'] dd")).not_to_have_text(str(first))
        assert stat(page, "sent") < EXPECTED_RECORDS
        expect(page.locator("[data-testid=rate-limit]")).to_have_text("5/s")
        if transport == "websocket":
            screenshot(page, "job-delivering")
        controls = page.locator("#controls")
        choose_rate(controls, "30/s")
        changed_at = time.monotonic()
        controls.get_by_role("button", name="Apply rate").click()
        expect(page.locator("#announcer")).to_contain_text("Sending rate set to 30")
        expect(page.locator("[data-testid=rate-limit]")).to_have_text("30/s")
        expect(page.locator("#progress")).to_have_attribute(
            "data-status", "completed", timeout=30_000
        )
        assert page.evaluate("() => window.stillTheSamePage") is True
        assert stat(page, "sent") == EXPECTED_RECORDS and stat(page, "failed") == 0
        expect(page.locator("#announcer")).to_contain_text("Merge finished")

        arrivals = sorted(r.at for r in receiver.requests)
        assert len(arrivals) == EXPECTED_RECORDS
        # Measured at the receiver, so allow for network jitter (the first one opens a connection).
        assert max_in_window([t for t in arrivals if t < changed_at], window=0.85) <= 5
        assert max_in_window([t for t in arrivals if t > changed_at + 1]) >= 12

        rows = downloaded_rows(page)
        assert len(rows) == EXPECTED_RECORDS
        moved = {
            row["Email"]: row["Person Location"] for row in rows if "elsewhere" in row["Email"]
        }
        assert moved["other3@elsewhere.org"] == "City 3"
        assert "Notes" not in rows[0]
        expect(page.locator("#merged tbody tr")).to_have_count(20)
        expect(page.locator("#preview tbody tr")).to_have_count(20)

        polls = [r for r in page.watched.responses if re.search(rf"/jobs/{job_id}\?", r.url)]
        if transport == "websocket":
            assert frames, "the socket pushed no updates"
            assert len(polls) <= 2, "polling ran while the socket was open"
        else:
            assert not frames
            assert len(polls) >= 3
            assert polls[-1].status == 286
            count = len(polls)
            page.wait_for_timeout(2500)
            assert len([r for r in page.watched.responses if f"/jobs/{job_id}?" in r.url]) == count
        # With sockets blocked, htmx logs each failed attempt (the error event); nothing else.
        problems = page.watched.problems
        if transport == "polling":
            problems = [p for p in problems if p != "console: [object Event]"]
        assert problems == [], "\n".join(problems)
    finally:
        page.context.close()


def test_failed_deliveries_are_listed_and_retry_delivers_them(page: Any) -> None:
    with Receiver.start(always(500)) as receiver:
        page.goto("/")
        page.set_input_files(
            "#file-input",
            [{"name": "few.csv", "mimeType": "text/csv", "buffer": FEW.encode()}],
        )
        expect(page.locator("#files li.file-card[data-upload-id]")).to_have_count(1)
        rows = int(card(page, "few.csv").locator(".file-meta").inner_text().split()[0])
        page.get_by_label("Webhook URL").fill(receiver.url)
        choose_rate(page, "No limit")
        start(page, receiver)
        expect(page.locator("#progress")).to_have_attribute(
            "data-status", "completed", timeout=30_000
        )
        failed = page.locator("#failed tbody tr")
        expect(failed).to_have_count(rows)
        expect(failed.first).to_contain_text("HTTP 500")
        expect(page.locator("#announcer")).to_contain_text(f"{rows} failed")
        assert stat(page, "failed") == rows

        receiver.behaviour = ok
        page.get_by_role("button", name="Retry failed deliveries").click()
        expect(page.locator("#progress [data-stat='sent'] dd")).to_have_text(
            str(rows), timeout=30_000
        )
        expect(page.locator("#progress")).to_have_attribute(
            "data-status", "completed", timeout=30_000
        )
        expect(page.locator("#failed")).to_contain_text("No failed deliveries")
        assert stat(page, "failed") == 0
        assert page.watched.problems == []


# "Reach" names no field; its values are e-mail addresses, which decide its field.
REACH = "Name,Reach\n" + "".join(f"Reach{i} Person{i},reach{i}@example.org\n" for i in range(6))


def test_values_decide_a_column_after_the_type_is_switched_and_the_result_shows_it(
    page: Any, receiver: Receiver
) -> None:
    page.goto("/")
    page.set_input_files(
        "#file-input", [{"name": "reach.csv", "mimeType": "text/csv", "buffer": REACH.encode()}]
    )
    expect(page.locator("#files li.file-card[data-upload-id]")).to_have_count(1)
    expect(column_select(page, "reach.csv", "Reach")).to_have_value("Email")
    page.locator("label.choice", has_text="Companies").click()
    expect(column_select(page, "reach.csv", "Reach")).to_have_value("")
    page.locator("label.choice", has_text="People").click()
    expect(column_select(page, "reach.csv", "Reach")).to_have_value("Email")
    page.get_by_label("Webhook URL").fill(receiver.url)
    choose_rate(page, "No limit")
    start(page, receiver)
    expect(page.locator("#progress")).to_have_attribute("data-status", "completed", timeout=30_000)
    rows = downloaded_rows(page)
    assert sorted(r["Email"] for r in rows) == [f"reach{i}@example.org" for i in range(6)]
    assert "Reach" not in rows[0]
    bodies = [r.json() for r in receiver.requests]
    assert sorted(b["Email"] for b in bodies) == [f"reach{i}@example.org" for i in range(6)]
