"""The pages and their htmx fragments through the real app, parsed with CSS selectors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from quart.testing.connections import WebsocketDisconnectError
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from app import create_app
from app.config import Settings
from app.resources import open_resources
from app.storage.models import Job
from tests.support.forms import multipart
from tests.support.receiver import Receiver, always

HTMX = {"HX-Request": "true"}
# Nothing listens here; jobs that only need to exist or run without a worker point at it.
UNUSED_HOOK = "http://127.0.0.1:9/hook"
PEOPLE = (
    "First Name,Last Name,Email,Company,Website\n"
    "Ada,Lovelace,ada@analytical.io,Analytical Engines,https://www.analytical.io/\n"
    "Alan,Turing,alan@bletchley.org,Bletchley Park,bletchley.org\n"
    "Grace,Hopper,grace@navy.mil,US Navy,navy.mil\n"
)
MORE_PEOPLE = (
    "Name,E-mail,Job Titel,Notes\n"
    "Ada Lovelace,ADA@analytical.io,Countess,first programmer\n"
    "Katherine Johnson,katherine@nasa.gov,Mathematician,orbits\n"
)


def parse(body: bytes | str) -> HTMLParser:
    return HTMLParser(body.decode() if isinstance(body, bytes) else body)


def texts(tree: HTMLParser, selector: str) -> list[str]:
    return [node.text(strip=True) for node in tree.css(selector)]


async def upload(client: Any, *files: tuple[str, bytes], **fields: str) -> Any:
    body, content_type = multipart(files, fields)
    return await client.post("/uploads", data=body, headers={"Content-Type": content_type, **HTMX})


def form_of(*fragments: HTMLParser, **choices: str) -> list[tuple[str, str]]:
    """What the start form would send: each card's hidden file summary and its selects."""
    pairs: list[tuple[str, str]] = []
    upload_id = ""
    for tree in fragments:
        for card in tree.css("li.file-card"):
            upload_id = card.attributes["data-upload-id"] or ""
            pairs.append(("file", card.css_first("input[name=file]").attributes["value"] or ""))
            for select in card.css("select"):
                chosen = select.css_first("option[selected]")
                pairs.append((select.attributes["name"] or "", chosen.attributes["value"] or ""))
    pairs = [(name, choices.pop(name, value)) for name, value in pairs]
    head = {"upload_id": upload_id, "table_type": "people", "rate": "10"}
    head.update((name, choices.pop(name)) for name in list(head) if name in choices)
    return [*head.items(), *pairs, *choices.items()]


async def post_form(client: Any, path: str, pairs: list[tuple[str, str]], **headers: str) -> Any:
    return await client.post(
        path,
        data=urlencode(pairs).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )


async def start_job(client: Any, *, webhook: str = "", rate: str = "10") -> str:
    tree = parse(await (await upload(client, ("people.csv", PEOPLE.encode()))).get_data())
    pairs = form_of(tree, webhook_url=webhook, rate=rate)
    response = await post_form(client, "/jobs", pairs, **HTMX)
    assert response.status_code == 200, await response.get_data()
    return str(response.headers["HX-Redirect"]).rsplit("/", 1)[1]


async def wait_until(client: Any, job_id: str, status: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        body = await (await client.get(f"/api/jobs/{job_id}/status")).get_json()
        if body["status"] == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"job stayed {body['status']}")


def select_named(tree: HTMLParser, label: str) -> Any:
    """The select a visible-to-screen-readers label points at."""
    target = next(node for node in tree.css("label") if node.text(strip=True) == label)
    return tree.css_first(f"select[id='{target.attributes['for']}']")


async def test_start_page_offers_files_type_webhook_rate_and_start(client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    tree = parse(await response.get_data())
    picker = tree.css_first("#drop-zone label input#file-input[type=file]")
    assert picker is not None and "multiple" in picker.attributes
    choices = {
        node.css_first("input").attributes["value"]: node.css_first(".choice-text").text()
        for node in tree.css("label.choice")
    }
    assert set(choices) == {"people", "company"} and all(choices.values())
    assert tree.css_first("label[for=webhook-url]") is not None
    assert tree.css_first("button[hx-post='/webhook/test']").text(strip=True) == (
        "Send a test record"
    )
    rates = [node.attributes["value"] for node in tree.css("input[name=rate]")]
    assert rates == ["1", "5", "10", "30", "60", "0", "other"]
    assert tree.css_first("input[name=rate][checked]").attributes["value"] == "10"
    assert tree.css_first("form#merge-form button[type=submit]").text(strip=True) == "Start merge"
    assert tree.css("script:not([src])") == [] and tree.css("[style]") == []
    assert [n.text(strip=True) for n in tree.css("nav[aria-label=Main] a")] == [
        "New merge",
        "Jobs",
        "Field mappings",
        "Storage",
    ]


async def test_upload_fragment_shows_each_file_with_scored_choices(client) -> None:
    response = await upload(client, ("a.csv", PEOPLE.encode()), ("b.csv", MORE_PEOPLE.encode()))
    assert response.status_code == 200
    tree = parse(await response.get_data())
    first, second = tree.css("li.file-card")
    assert texts(tree, ".file-name") == ["a.csv", "b.csv"]
    assert first.css_first(".file-meta").text().startswith("3 rows · 5 columns")
    assert first.attributes["data-table-type"] == "people"
    email = select_named(tree, "Field for column Email of a.csv")
    assert email.css_first("option[selected]").attributes["value"] == "Email"
    assert "Person Location" in [o.attributes["value"] for o in email.css("option")]
    low = second.css("tr.is-low")
    assert [row.css_first("th").text(strip=True) for row in low] == ["Job Titel"]
    assert low[0].css_first(".pill-warn").text(strip=True).startswith("Check")
    notes = second.css_first("tr.is-unmapped")
    assert notes.css_first("th").text(strip=True) == "Notes"
    assert notes.css_first("option[selected]").text(strip=True) == "Keep as an extra column"


async def test_uploaded_names_and_headers_are_never_markup(client) -> None:
    evil = "<script>alert(1)</script>"
    content = f'"{evil}",Email\n"<b>x</b>",a@b.co\n'.encode()
    response = await upload(client, ("<img src=x onerror=alert(1)>.csv", content))
    tree = parse(await response.get_data())
    assert tree.css("script") == [] and tree.css("img") == [] and tree.css("b") == []
    assert texts(tree, ".file-name") == ["<img src=x onerror=alert(1)>.csv"]
    assert texts(tree, "th.source-column")[0] == evil


@pytest.fixture
async def small_client(migrated: Settings) -> AsyncIterator[Any]:
    """An app with a 1 MB file limit and room for two files per session."""
    settings = migrated.model_copy(update={"MAX_FILE_SIZE_MB": 1, "MAX_FILES_PER_SESSION": 2})
    async with open_resources(settings) as res:
        app = create_app(settings, resources=res)
        async with app.test_app() as test_app:
            yield test_app.test_client()


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ([("leads.pdf", b"%PDF-1.7")], 415, "leads.pdf is not a CSV file (.pdf)."),
        ([("big.csv", b"a,b\n" + b"1,2\n" * 300_000)], 413, "big.csv is larger than 1 MB."),
        ([(f"{n}.csv", PEOPLE.encode()) for n in "abc"], 429, None),
    ],
)
async def test_upload_errors_come_back_as_plain_words(
    small_client, files: list[tuple[str, bytes]], status: int, message: str | None
) -> None:
    response = await upload(small_client, *files)
    assert response.status_code == status
    tree = parse(await response.get_data())
    assert tree.css("header, h1") == []
    alert = tree.css_first(".alert-error[role=alert] p").text(strip=True)
    assert alert == message if message else "files" in alert


async def test_changing_the_type_maps_the_columns_again(client) -> None:
    tree = parse(await (await upload(client, ("a.csv", PEOPLE.encode()))).get_data())
    pairs = [(n, v) for n, v in form_of(tree) if n != "table_type"] + [("table_type", "company")]
    response = await post_form(client, "/uploads/remap", pairs, **HTMX)
    assert response.status_code == 200
    remapped = parse(await response.get_data())
    card = remapped.css_first("li.file-card")
    assert card.attributes["hx-swap-oob"] == "true"
    assert card.attributes["data-table-type"] == "company"
    website = select_named(remapped, "Field for column Website of a.csv")
    assert website.css_first("option[selected]").attributes["value"] == "Company Domain"


async def test_changing_the_type_lets_the_values_decide_again(client) -> None:
    # "Reach" names no field; its values are e-mail addresses, in either table type's eyes
    csv = "Name,Reach\nAda Lovelace,ada@example.org\nAlan Turing,alan@example.org\n"
    tree = parse(await (await upload(client, ("reach.csv", csv.encode()))).get_data())
    reach = select_named(tree, "Field for column Reach of reach.csv")
    assert reach.css_first("option[selected]").attributes["value"] == "Email"
    for table_type, expected in (("company", ""), ("people", "Email")):
        pairs = [(n, v) for n, v in form_of(tree) if n != "table_type"]
        pairs.append(("table_type", table_type))
        response = await post_form(client, "/uploads/remap", pairs, **HTMX)
        assert response.status_code == 200
        remapped = parse(await response.get_data())
        chosen = select_named(remapped, "Field for column Reach of reach.csv")
        assert chosen.css_first("option[selected]").attributes["value"] == expected


async def test_starting_sends_the_changed_columns_and_opens_the_job(client, resources) -> None:
    tree = parse(await (await upload(client, ("a.csv", PEOPLE.encode()))).get_data())
    company = select_named(tree, "Field for column Company of a.csv").attributes["name"]
    website = select_named(tree, "Field for column Website of a.csv").attributes["name"]
    pairs = form_of(
        tree, **{company: "-", website: "Company Website"}, rate="other", rate_other="2.5"
    )
    response = await post_form(client, "/jobs", pairs)
    assert response.status_code == 303
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    async with resources.db() as db:
        job = await db.get(Job, job_id)
    assert job is not None
    assert job.mapping_overrides == {"a.csv": {"Company": None}}
    assert (job.rate_limit, job.webhook_url) == (2.5, None)


@pytest.mark.parametrize(
    ("choices", "status", "message"),
    [
        ({"map-0": "Email"}, 422, "In a.csv, the columns “First Name” and “Email” are both set"),
        ({"upload_id": ""}, 400, "Add at least one CSV file before starting."),
        ({"rate": "other", "rate_other": "fast"}, 422, "Choose a sending rate"),
        ({"webhook_url": "ftp://example.com/x"}, 422, "Webhook refused"),
    ],
)
async def test_a_bad_start_form_answers_a_message_for_its_slot(
    client, choices: dict[str, str], status: int, message: str
) -> None:
    tree = parse(await (await upload(client, ("a.csv", PEOPLE.encode()))).get_data())
    first = tree.css_first("select").attributes["name"]
    if "map-0" in choices:
        choices = {first: choices.pop("map-0"), **choices}
    pairs = form_of(tree, **choices)
    response = await post_form(client, "/jobs", pairs, **HTMX)
    assert response.status_code == status
    alert = parse(await response.get_data()).css_first(".alert-error[role=alert] p")
    assert alert.text(strip=True).startswith(message)


async def test_live_fragment_polls_while_running_and_says_286_when_done(client) -> None:
    job_id = await start_job(client, webhook=UNUSED_HOOK)
    response = await client.get(f"/jobs/{job_id}", headers=HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    tree = parse(await response.get_data())
    progress = tree.css_first("section#progress")
    assert progress.attributes["hx-trigger"] == "every 1s"
    assert "hx-swap-oob" not in progress.attributes
    assert progress.attributes["hx-get"].startswith(f"/jobs/{job_id}?status=pending")
    bar = progress.css_first("progress")
    assert bar.attributes["max"] == "100" and bar.attributes["aria-labelledby"] == "progress-title"

    cancelled = await post_form(client, f"/jobs/{job_id}/cancel", [], **HTMX)
    tree = parse(await cancelled.get_data())
    assert tree.css_first("#progress").attributes["hx-swap-oob"] == "true"
    assert texts(tree, "#controls [role=status]") == ["The job was cancelled."]
    assert texts(tree, "[hx-swap-oob='innerHTML:#announcer']") == ["The job was cancelled."]

    seen = progress.attributes["hx-get"]
    done = await client.get(seen, headers=HTMX)
    assert done.status_code == 286
    tree = parse(await done.get_data())
    assert "hx-trigger" not in tree.css_first("#progress").attributes
    assert texts(tree, "[hx-swap-oob='innerHTML:#announcer']") == ["The job was cancelled."]
    page = await client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert parse(await page.get_data()).css("[ws-connect]") == []


async def test_rate_form_changes_the_running_job(client) -> None:
    job_id = await start_job(client, webhook=UNUSED_HOOK, rate="5")
    page = parse(await (await client.get(f"/jobs/{job_id}")).get_data())
    assert texts(page, "[data-testid=rate-limit]") == ["5/s"]
    assert page.css_first("#controls input[name=rate][value='5'][checked]") is not None
    socket = page.css_first("[hx-ext=ws][ws-connect]").attributes["ws-connect"]
    assert socket.startswith(f"/ws/jobs/{job_id}?")

    pairs = [("rate", "other"), ("rate_other", "30")]
    response = await post_form(client, f"/jobs/{job_id}/rate", pairs, **HTMX)
    assert response.status_code == 200
    tree = parse(await response.get_data())
    assert texts(tree, "#controls [role=status]") == ["Sending rate set to 30 records per second."]
    assert texts(tree, "#progress [data-testid=rate-limit]") == ["30/s"]
    status = await (await client.get(f"/api/jobs/{job_id}/status")).get_json()
    assert status["progress"]["rate_limit"] == 30

    bad = await post_form(client, f"/jobs/{job_id}/rate", [("rate", "2000")], **HTMX)
    assert bad.status_code == 422
    assert parse(await bad.get_data()).css_first(".alert-error[role=alert]") is not None


async def test_finished_job_page_shows_counts_download_preview_and_merges(client, worker) -> None:
    tree = parse(
        await (
            await upload(client, ("a.csv", PEOPLE.encode()), ("b.csv", MORE_PEOPLE.encode()))
        ).get_data()
    )
    response = await post_form(client, "/jobs", form_of(tree, rate="0"), **HTMX)
    job_id = response.headers["HX-Redirect"].rsplit("/", 1)[1]
    await wait_until(client, job_id, "completed")
    page = parse(await (await client.get(f"/jobs/{job_id}")).get_data())
    assert page.css_first("h1").text(strip=True) == "People merge of 2 files"
    stats = {n.attributes["data-stat"]: n.css_first("dd").text() for n in page.css(".stat")}
    assert stats == {
        "records-read": "5",
        "after-dedupe": "4",
        "duplicates-removed": "1",
        "fields-merged": stats["fields-merged"],
        "domains-cleaned": stats["domains-cleaned"],
    }
    download = page.css_first("#progress a[download]")
    assert download.attributes["href"] == f"/api/jobs/{job_id}/download"
    assert download.attributes["hx-boost"] == "false"
    assert len(page.css("#preview tbody tr")) == 4
    assert texts(page, "#merged tbody tr .member-file") == ["a.csv", "b.csv"]
    assert "hidden" in page.css_first("#controls").attributes
    assert page.css("#failed") == [] and page.css("[ws-connect]") == []
    assert page.css_first("#progress .alert-ok").text(strip=True) == "Merged 4 records."


async def test_history_lists_this_sessions_jobs_only(app, client) -> None:
    job_id = await start_job(client)
    tree = parse(await (await client.get("/jobs")).get_data())
    rows = tree.css("table.jobs-table tbody tr")
    assert len(rows) == 1
    assert rows[0].css_first("a").attributes["href"] == f"/jobs/{job_id}"
    assert rows[0].css_first("[data-label=Files]").text(strip=True) == "peoplepeople.csv"
    assert rows[0].css_first("[data-status]").attributes["data-status"] in ("pending", "processing")
    other = app.test_client()
    empty = parse(await (await other.get("/jobs")).get_data())
    assert empty.css("table") == [] and texts(empty, ".empty-state h2") == ["No merges yet"]


async def test_another_sessions_job_does_not_exist(app, client) -> None:
    job_id = await start_job(client)
    stranger = app.test_client()
    page = await stranger.get(f"/jobs/{job_id}")
    assert page.status_code == 404
    assert texts(parse(await page.get_data()), "h1") == ["We could not find that"]
    fragment = await stranger.get(f"/jobs/{job_id}", headers=HTMX)
    assert fragment.status_code == 404
    assert parse(await fragment.get_data()).css("h1") == []
    rate = await post_form(stranger, f"/jobs/{job_id}/rate", [("rate", "5")], **HTMX)
    assert rate.status_code == 404
    with pytest.raises(WebsocketDisconnectError):
        async with stranger.websocket(f"/ws/jobs/{job_id}") as socket:
            await asyncio.wait_for(socket.receive(), 5)


async def test_socket_pushes_the_progress_fragment_out_of_band(client) -> None:
    job_id = await start_job(client, webhook=UNUSED_HOOK)
    async with client.websocket(f"/ws/jobs/{job_id}?status=pending&failed=0&ready=0") as socket:
        tree = parse(await asyncio.wait_for(socket.receive(), 5))
        progress = tree.css_first("section#progress")
        assert progress.attributes["hx-swap-oob"] == "true"
        assert progress.attributes["data-status"] == "pending"
        await post_form(client, f"/jobs/{job_id}/cancel", [], **HTMX)
        tree = parse(await asyncio.wait_for(socket.receive(), 5))
        assert tree.css_first("#progress").attributes["data-status"] == "cancelled"
        assert texts(tree, "[hx-swap-oob='innerHTML:#announcer']") == ["The job was cancelled."]


async def test_socket_from_another_site_is_refused(client) -> None:
    job_id = await start_job(client)
    headers = {"Origin": "https://evil.example"}
    with pytest.raises(WebsocketDisconnectError):
        async with client.websocket(f"/ws/jobs/{job_id}", headers=headers) as socket:
            await asyncio.wait_for(socket.receive(), 5)


async def test_webhook_test_shows_the_receivers_answer(client) -> None:
    with Receiver.start() as good, Receiver.start(always(500)) as bad:
        ok = await post_form(client, "/webhook/test", [("webhook_url", good.url)], **HTMX)
        assert ok.status_code == 200
        assert texts(parse(await ok.get_data()), ".alert-ok p")[0].startswith(
            "Your webhook accepted the test record: HTTP 200"
        )
        assert json.loads(good.requests[0].body)["Email"] == "ada@example.com"
        failed = await post_form(client, "/webhook/test", [("webhook_url", bad.url)], **HTMX)
        tree = parse(await failed.get_data())
        assert failed.status_code == 502
        assert texts(tree, "[role=alert] .alert-detail")[0].startswith(
            "The receiver answered HTTP 500"
        )
        assert texts(tree, ".response-excerpt") == ['{"error":"nope"}']


async def test_storage_page_shows_use_and_cleanup(client) -> None:
    await upload(client, ("a.csv", PEOPLE.encode()))
    tree = parse(await (await client.get("/storage")).get_data())
    assert texts(tree, "h2") == ["Disk use", "Cleanup", "Space per session"]
    assert tree.css_first("meter#usage-meter").attributes["aria-labelledby"] == "usage-title"
    facts = dict(zip(texts(tree, ".facts dt"), texts(tree, ".facts dd"), strict=True))
    assert facts["Last run"] == "Not yet" and facts["Kept for"] == "48 hours"
    assert texts(tree, "table .pill-info") == ["you"]


async def test_storage_page_needs_the_admin_when_a_token_is_set(migrated: Settings) -> None:
    settings = migrated.model_copy(update={"ADMIN_TOKEN": "secret-token"})
    async with open_resources(settings) as res:
        app = create_app(settings, resources=res)
        async with app.test_app() as test_app:
            response = await test_app.test_client().get("/storage")
            assert response.status_code == 401
            tree = parse(await response.get_data())
            login = tree.css_first("a[href^='/admin/login']")
            assert login.attributes["href"] == "/admin/login?next=/storage"
