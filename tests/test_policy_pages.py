"""Admin pages for the moderation mode and the lists: admins only, CSRF forms, flash messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import ListEntry
from service.db import ListKind
from service.db import ModerationMode
from service.db import PolicySettings
from service.db import db
from service.identity import hash_ip
from tests.factories import csrf_token
from tests.factories import make_staff
from tests.factories import sign_in

ADMIN_PAGES = [
    ("GET", "/admin/policy"),
    ("GET", "/admin/lists?kind=blocked_word"),
    ("POST", "/admin/policy/mode"),
    ("POST", "/admin/lists/add"),
    ("POST", "/admin/lists/remove"),
]


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_staff("boss@clinic.example", role="admin")
    assert sign_in(client, "boss@clinic.example").status_code == 302
    return client


def entries(app: Flask, kind: ListKind) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ListEntry.value).where(ListEntry.kind == kind).order_by(ListEntry.value)
            )
        )


def lists_version(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(PolicySettings.lists_version))


def test_policy_pages_are_for_admins_only(app: Flask, client: FlaskClient) -> None:
    for method, path in ADMIN_PAGES:
        anonymous = client.open(path, method=method)
        assert anonymous.status_code in (302, 400), path  # login, or CSRF refused first
    with app.app_context():
        make_staff("mod@clinic.example")
    sign_in(client, "mod@clinic.example")
    token = csrf_token(client, "/moderation/")
    for method, path in ADMIN_PAGES:
        data = {"csrf_token": token, "kind": "blocked_word", "values": "x", "mode": "shadow"}
        response = client.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 403, path
    assert entries(app, ListKind.BLOCKED_WORD) == []


def test_admin_sets_the_mode_with_a_csrf_form(app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/admin/policy").get_data(as_text=True)
    assert 'value="flagged_only" checked' in page
    refused = admin.post("/admin/policy/mode", data={"mode": "shadow"})
    assert refused.status_code == 400
    token = csrf_token(admin, "/admin/policy")
    saved = admin.post("/admin/policy/mode", data={"mode": "shadow", "csrf_token": token},
                       follow_redirects=True)  # fmt: skip
    assert "Mode set: Shadow" in saved.get_data(as_text=True)
    assert 'value="shadow" checked' in saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(PolicySettings.mode)) is ModerationMode.SHADOW
    bogus = admin.post("/admin/policy/mode", data={"mode": "anarchy", "csrf_token": token},
                       follow_redirects=True)  # fmt: skip
    assert "Choose one of the modes." in bogus.get_data(as_text=True)


def test_admin_adds_pastes_and_removes_entries(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin, "/admin/lists?kind=blocked_domain")
    one = admin.post("/admin/lists/add", follow_redirects=True,
                     data={"kind": "blocked_domain", "values": "https://WWW.Cheap-K.example/buy",
                           "csrf_token": token})  # fmt: skip
    assert "Added 1 to blocked domains." in one.get_data(as_text=True)
    version = lists_version(app)
    pasted = "spam.shop\n\ncheap-k.example\nnot a domain\npills.example\n"
    data = {"kind": "blocked_domain", "values": pasted, "csrf_token": token}
    many = admin.post("/admin/lists/add", follow_redirects=True, data=data)
    text = many.get_data(as_text=True)
    assert "Added 2 to blocked domains; 1 already listed." in text
    assert "Skipped 1: &#39;not a domain&#39; is not a domain" in text
    assert entries(app, ListKind.BLOCKED_DOMAIN) == [
        "cheap-k.example",
        "pills.example",
        "spam.shop",
    ]
    assert lists_version(app) not in (None, version)  # workers will recompile

    overview = admin.get("/admin/policy").get_data(as_text=True)
    assert re.search(r"Blocked domains</a></td>\s*<td>3</td>", overview)

    with app.app_context():
        entry_id = db.session.scalar(sa.select(ListEntry.id).where(ListEntry.value == "spam.shop"))
    version = lists_version(app)
    removed = admin.post("/admin/lists/remove", follow_redirects=True,
                         data={"entry_id": str(entry_id), "csrf_token": token})  # fmt: skip
    assert "Removed &#39;spam.shop&#39; from blocked domains." in removed.get_data(as_text=True)
    assert entries(app, ListKind.BLOCKED_DOMAIN) == ["cheap-k.example", "pills.example"]
    assert lists_version(app) != version
    again = admin.post("/admin/lists/remove", follow_redirects=True,
                       data={"entry_id": str(entry_id), "csrf_token": token})  # fmt: skip
    assert "already removed" in again.get_data(as_text=True)
    assert admin.post("/admin/lists/remove", data={"entry_id": "1"}).status_code == 400  # no CSRF


def test_entries_are_stored_in_the_form_the_worker_compares(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin, "/admin/policy")
    for kind, values in [
        ("blocked_ip", "203.0.113.9\n" + "AB" * 16),
        ("blocked_email", "Spammer@Example.ORG"),
        ("watched_word", "  Miracle   cure "),
    ]:
        admin.post("/admin/lists/add", data={"kind": kind, "values": values, "csrf_token": token})
    with app.app_context():
        hashed = hash_ip("203.0.113.9")
    assert entries(app, ListKind.BLOCKED_IP) == sorted([hashed, "ab" * 16])
    assert entries(app, ListKind.BLOCKED_EMAIL) == ["spammer@example.org"]
    assert entries(app, ListKind.WATCHED_WORD) == ["Miracle cure"]
    page = admin.get("/admin/lists", query_string={"kind": "watched_word"}).get_data(as_text=True)
    assert "Miracle cure" in page and "Watched words <span" in page


def test_list_pages_escape_entries_and_search(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin, "/admin/policy")
    values = "<script>alert(1)</script>\nviagra"
    admin.post(
        "/admin/lists/add", data={"kind": "blocked_word", "csrf_token": token, "values": values}
    )
    page = admin.get("/admin/lists?kind=blocked_word").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    found = admin.get("/admin/lists?kind=blocked_word&q=VIAG").get_data(as_text=True)
    assert "viagra" in found and "alert(1)" not in found
    assert admin.get("/admin/lists?kind=nonsense").status_code == 302


def test_cli_sets_the_mode_and_imports_a_list(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    assert (
        "Mode set: Pre-moderate all"
        in runner.invoke(args=["admin", "mode", "premoderate_all"]).output
    )
    words = tmp_path / "words.txt"
    words.write_text("".join(f"word{i}\n" for i in range(1500)) + "word7\n\n")
    imported = runner.invoke(args=["admin", "lists-add", "watched_word", str(words)])
    assert imported.exit_code == 0, imported.output
    assert "Added 1500; 0 already listed; 0 skipped" in imported.output
    shown = runner.invoke(args=["admin", "policy"]).output
    assert "mode: premoderate_all" in shown and "watched_word\t1500\t" in shown
    assert runner.invoke(args=["admin", "mode", "chaos"]).exit_code != 0


def test_a_paste_of_ten_thousand_domains_is_accepted(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin, "/admin/policy")
    pasted = "\n".join(f"pharmacy-outlet-{i}.example" for i in range(10_000))
    assert len(pasted) > app.config["MAX_CONTENT_LENGTH"]  # larger than any API request
    data = {"kind": "watched_domain", "values": pasted, "csrf_token": token}
    response = admin.post("/admin/lists/add", follow_redirects=True, data=data)
    assert "Added 10000 to watched domains." in response.get_data(as_text=True)
    overview = admin.get("/admin/policy").get_data(as_text=True)
    assert re.search(r"Watched domains</a></td>\s*<td>10000</td>", overview)
    huge = admin.post("/admin/lists/remove", data={"entry_id": "1" * 70_000, "csrf_token": token})
    assert huge.status_code == 413  # only the paste form takes large bodies
