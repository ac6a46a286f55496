"""/mappings and /mappings/history through the test client, as htmx and as plain forms."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from app import create_app
from app.config import Settings
from app.resources import Resources

TOKEN = "page-admin-token"
HTMX = {"HX-Request": "true"}


async def html(response: Any) -> LexborHTMLParser:
    return LexborHTMLParser(await response.get_data(as_text=True))


def texts(tree: LexborHTMLParser, selector: str) -> list[str]:
    return [" ".join(node.text().split()) for node in tree.css(selector)]


def root_elements(tree: LexborHTMLParser) -> list[Any]:
    body = tree.body
    assert body is not None
    return [node for node in body.iter() if node.tag != "-text"]


async def api_versions(client: Any) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = (
        await (await client.get("/api/config/mappings/versions")).get_json()
    )["versions"]
    return versions


async def api_document(client: Any, version: int | None = None) -> dict[str, Any]:
    path = f"/api/config/mappings/versions/{version}" if version else "/api/config/mappings"
    body: dict[str, Any] = await (await client.get(path)).get_json()
    body.pop("version", None)
    return body


async def post_synonym(client: Any, field: str, synonym: str, **kwargs: Any) -> Any:
    form = {"table_type": "people", "field": field, "synonym": synonym}
    return await client.post("/mappings/synonyms", form=form, **kwargs)


@pytest.fixture
async def admin_app(migrated: Settings, resources: Resources) -> AsyncIterator[Any]:
    settings = migrated.model_copy(update={"ADMIN_TOKEN": TOKEN})
    application = create_app(settings, resources=resources)
    async with application.test_app() as test_app:
        yield test_app


async def test_the_page_shows_every_field_with_its_synonyms(client) -> None:
    response = await client.get("/mappings")
    assert response.status_code == 200
    tree = await html(response)
    assert texts(tree, "h1") == ["Field mappings"]
    assert texts(tree, "#current-version") == ["1"]
    document = await api_document(client)
    for table_type in ("people", "company"):
        names = texts(tree, f"#table-{table_type} li.field > h3")
        assert names == list(document[f"{table_type}_mappings"])
    email = texts(tree, "#field-people-email .synonym")
    assert email == document["people_mappings"]["Email"]
    assert "no ADMIN_TOKEN is set" in tree.css_first("#status .access").text()


async def test_every_control_has_a_label_and_headings_do_not_skip_levels(client) -> None:
    for path in ("/mappings", "/mappings/history"):
        tree = await html(await client.get(path))
        for control in tree.css("input:not([type=hidden]), select, textarea"):
            control_id = control.attributes.get("id")
            assert control_id and tree.css_first(f'label[for="{control_id}"]'), control.html
        levels = [int(node.tag[1]) for node in tree.css("h1, h2, h3, h4, h5, h6")]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


async def test_a_script_synonym_is_shown_as_text(client) -> None:
    document = await api_document(client)
    document["people_mappings"]["Email"].append("<script>alert(1)</script>")
    assert (await client.put("/api/config/mappings", json=document)).status_code == 200
    tree = await html(await client.get("/mappings"))
    assert "<script>alert(1)</script>" in texts(tree, "#field-people-email .synonym")
    assert tree.css("main script") == []
    raw = tree.css_first("#raw-document").text()
    assert json.loads(raw)["people_mappings"]["Email"][-1] == "<script>alert(1)</script>"


async def test_adding_a_synonym_with_htmx_returns_the_field_and_creates_a_version(client) -> None:
    response = await post_synonym(client, "Email", "courriel", headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "mappings-changed"
    tree = await html(response)
    [root] = root_elements(tree)[:1]
    assert root.tag == "li" and root.attributes["id"] == "field-people-email"
    assert "courriel" in texts(tree, "#field-people-email .synonym")
    assert tree.css_first("#field-people-email-new").attributes.get("value") == ""
    versions = await api_versions(client)
    assert versions[0]["version"] == 2
    assert versions[0]["comment"] == 'Added synonym "courriel" to Email (people)'
    assert versions[0]["author"].startswith("session:")
    mapping = await client.post(
        "/api/config/mappings/preview", json={"table_type": "people", "headers": ["Courriel"]}
    )
    assert (await mapping.get_json())["mapping"]["Courriel"]["field"] == "Email"


async def test_without_javascript_the_form_redirects_back_to_the_field(client) -> None:
    response = await post_synonym(client, "Email", "courriel")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mappings#field-people-email")


async def test_a_refused_synonym_is_a_422_fragment_listing_the_problem(client) -> None:
    response = await post_synonym(client, "Phone", "E-Mail", headers=HTMX)
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers
    tree = await html(response)
    field_input = tree.css_first("#field-people-phone-new")
    assert field_input.attributes["value"] == "E-Mail"
    assert field_input.attributes["aria-invalid"] == "true"
    problems = texts(tree, "#field-people-phone-problems li")
    assert len(problems) == 1 and 'people_mappings["Email"]' in problems[0]
    assert len(await api_versions(client)) == 1
    page = await post_synonym(client, "Phone", "E-Mail")
    assert page.status_code == 422
    assert texts(await html(page), "h1") == ["Field mappings"]


async def test_removing_a_synonym_and_adding_and_removing_a_field(client) -> None:
    form = {"table_type": "people", "field": "Email", "synonym": "mail"}
    removed = await client.post("/mappings/synonyms/remove", form=form, headers=HTMX)
    assert removed.status_code == 200
    assert "mail" not in texts(await html(removed), "#field-people-email .synonym")
    form = {"table_type": "company", "field": "Stock Ticker", "synonyms": "ticker, symbol"}
    added = await client.post("/mappings/fields", form=form, headers=HTMX)
    tree = await html(added)
    assert root_elements(tree)[0].attributes["id"] == "table-company"
    assert texts(tree, "#field-company-stock-ticker .synonym") == ["ticker", "symbol"]
    form = {"table_type": "company", "field": "Stock Ticker"}
    gone = await client.post("/mappings/fields/remove", form=form, headers=HTMX)
    assert (await html(gone)).css("#field-company-stock-ticker") == []
    assert [v["version"] for v in await api_versions(client)] == [4, 3, 2, 1]
    again = await client.post("/mappings/fields/remove", form=form, headers=HTMX)
    assert again.status_code == 200 and len(await api_versions(client)) == 4


async def test_the_json_editor_saves_refuses_and_notices_a_newer_version(client) -> None:
    document = await api_document(client)
    document["people_mappings"]["Phone"].append("")
    empty_at = len(document["people_mappings"]["Phone"]) - 1
    form = {"document": json.dumps(document), "base_version": "1", "comment": ""}
    refused = await client.post("/mappings/raw", form=form, headers=HTMX)
    assert refused.status_code == 422
    tree = await html(refused)
    assert root_elements(tree)[0].attributes["id"] == "raw"
    assert texts(tree, "#raw-problems code") == [f'people_mappings["Phone"][{empty_at}]']
    assert json.loads(tree.css_first("#raw-document").text()) == document
    form["document"] = "{oops"
    assert (await client.post("/mappings/raw", form=form, headers=HTMX)).status_code == 422
    document["people_mappings"]["Phone"][-1] = "satphone"
    form.update(document=json.dumps(document), comment="satellite phones")
    saved = await client.post("/mappings/raw", form=form, headers=HTMX)
    assert saved.status_code == 200
    assert saved.headers["HX-Trigger"] == "mappings-replaced"
    assert (await api_versions(client))[0]["comment"] == "satellite phones"
    unchanged = {**form, "base_version": "2"}
    assert (await client.post("/mappings/raw", form=unchanged, headers=HTMX)).status_code == 200
    assert len(await api_versions(client)) == 2
    stale = await client.post("/mappings/raw", form=form, headers=HTMX)
    assert stale.status_code == 422
    assert "version 2" in texts(await html(stale), "#raw-problems li")[0]


async def test_the_preview_maps_pasted_headers(client) -> None:
    form = {"table_type": "people", "headers": "E-mail Address\nFirst Name\nShoe size"}
    response = await client.post("/mappings/preview", form=form, headers=HTMX)
    tree = await html(response)
    assert root_elements(tree)[0].attributes["id"] == "preview"
    rows = {
        row.css_first("th").text(strip=True): row.css("td")[0].text(strip=True)
        for row in tree.css("#preview tbody tr")
    }
    assert rows["E-mail Address"] == "Email" and rows["First Name"] == "First Name"
    assert rows["Shoe size"] == "not mapped"
    csv_row = {"table_type": "company", "headers": 'Website,"Company, Inc name",HQ'}
    tree = await html(await client.post("/mappings/preview", form=csv_row, headers=HTMX))
    assert texts(tree, "#preview tbody th") == ["Website", "Company, Inc name", "HQ"]


async def test_history_lists_versions_and_diffs_any_two(client) -> None:
    await post_synonym(client, "Email", "courriel")
    form = {"table_type": "people", "field": "Email", "synonym": "mail"}
    await client.post("/mappings/synonyms/remove", form=form)
    tree = await html(await client.get("/mappings/history"))
    assert [row.attributes["id"] for row in tree.css("#versions tbody tr")] == [
        "version-3",
        "version-2",
        "version-1",
    ]
    assert "current" in texts(tree, "#version-3 .badge")
    assert texts(tree, "#diff .removed") == ["removed synonym − mail"]
    diff = await client.get("/mappings/history/diff?old=1&new=3", headers=HTMX)
    tree = await html(diff)
    assert root_elements(tree)[0].attributes["id"] == "diff"
    assert texts(tree, "#diff-people ins.added") == ["added synonym + courriel"]
    assert texts(tree, "#diff-people del.removed") == ["removed synonym − mail"]
    assert tree.css("#diff-company") == []
    same = await html(await client.get("/mappings/history/diff?old=2&new=2", headers=HTMX))
    assert "same mappings" in same.css_first("#diff p").text()
    assert (await client.get("/mappings/history/diff?old=1&new=9")).status_code == 404


async def test_rollback_asks_first_then_adds_a_version_equal_to_the_old_one(client) -> None:
    await post_synonym(client, "Email", "courriel")
    ask = await client.post("/mappings/history/rollback", form={"version": "1"}, headers=HTMX)
    tree = await html(ask)
    assert root_elements(tree)[0].attributes["id"] == "versions"
    assert tree.css_first("#confirm-heading").text() == "Roll back to version 1?"
    assert len(await api_versions(client)) == 2
    confirm = tree.css_first("#confirm-rollback form")
    assert confirm.attributes["hx-post"].endswith("/mappings/history/rollback/confirm")
    done = await client.post(
        "/mappings/history/rollback/confirm", form={"version": "1"}, headers=HTMX
    )
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "mappings-changed"
    notice = (await html(done)).css_first("#versions .notice").text()
    assert "version 3 has the mappings of version 1" in notice
    assert await api_document(client, 3) == await api_document(client, 1)
    assert (await api_versions(client))[0]["restored_from"] == 1
    plain = await client.post("/mappings/history/rollback/confirm", form={"version": "2"})
    assert plain.status_code == 303 and await api_document(client) == await api_document(client, 2)


async def test_with_admin_token_the_pages_are_read_only_until_login(admin_app) -> None:
    client = admin_app.test_client()
    tree = await html(await client.get("/mappings"))
    assert tree.css("form.add-synonym, form.add-field, #raw form") == []
    assert tree.css_first("#status a").attributes["href"].startswith("/admin/login")
    assert (await post_synonym(client, "Email", "x", headers=HTMX)).status_code == 401
    rollback = await client.post("/mappings/history/rollback/confirm", form={"version": "1"})
    assert rollback.status_code == 401
    wrong = await client.post("/admin/login", form={"token": "nope", "next": "/mappings"})
    assert wrong.status_code == 401
    assert (await html(wrong)).css_first("#login-error") is not None
    login = await client.post("/admin/login", form={"token": TOKEN, "next": "//evil.example"})
    assert login.status_code == 303 and login.headers["Location"] == "/mappings"
    tree = await html(await client.get("/mappings"))
    assert tree.css("form.add-synonym") and "logged in as admin" in tree.css_first("#status").text()
    assert (await post_synonym(client, "Email", "admin synonym", headers=HTMX)).status_code == 200
    assert (await api_versions(client))[0]["author"] == "admin"
    assert (await client.post("/admin/logout")).status_code == 303
    assert (await post_synonym(client, "Email", "y", headers=HTMX)).status_code == 401
