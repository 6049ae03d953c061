"""Staff sign-in and the moderation queue: who may enter, what they see, what they decide."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import Comment
from service.db import CommentStatus
from service.db import ModerationDecision
from service.db import db
from tests.factories import STAFF_PASSWORD
from tests.factories import csrf_token
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import reload_comment
from tests.factories import sign_in

#: Endpoints anyone may reach; every other route is staff-only.
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.logout", "metrics"}
PUBLIC_BLUEPRINTS = ("api.", "apidocs.", "pages.", "subscriptions.")


def decide(client: FlaskClient, comment_id: int, action: str, seen: str, **form: str) -> Any:
    token = csrf_token(client, "/moderation/?tab=all")
    data = {"action": action, "seen": seen, "csrf_token": token, "tab": "held", **form}
    return client.post(f"/moderation/{comment_id}/decide", data=data)


def test_every_staff_url_needs_a_signed_in_user(app: Flask, client: FlaskClient) -> None:
    staff_rules = [
        rule for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC_ENDPOINTS and not rule.endpoint.startswith(PUBLIC_BLUEPRINTS)
    ]  # fmt: skip
    assert {rule.endpoint for rule in staff_rules} >= {
        "moderation.queue",
        "moderation.decide_comment",
    }
    app.config["WTF_CSRF_ENABLED"] = False  # reach the login check itself
    for rule in staff_rules:
        path = rule.rule.replace("<int:comment_id>", "1")
        method = "GET" if "GET" in (rule.methods or set()) else "POST"
        response = client.open(path, method=method)
        assert response.status_code in (302, 401, 403), rule
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")


def test_wrong_password_and_unknown_email_look_the_same(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff()
    wrong = sign_in(client, "mod@clinic.example", "wrong password!!")
    unknown = sign_in(client, "nobody@clinic.example")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count("Wrong") == unknown.get_data(as_text=True).count(
        "Wrong"
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/moderation/?tab=all", "/moderation/?tab=all"),
        ("https://evil.example/", "/moderation/"),
        ("//evil.example/", "/moderation/"),
        ("/\\evil.example", "/moderation/"),
    ],
)
def test_next_only_redirects_within_the_site(
    app: Flask, client: FlaskClient, target: str, expected: str
) -> None:
    with app.app_context():
        make_staff()
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "mod@clinic.example", "password": STAFF_PASSWORD,
                                 "csrf_token": token})  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    statuses = [sign_in(client, "x@clinic.example", "guess").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_session_cookie_is_httponly_and_samesite(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff()
    response = sign_in(client, "mod@clinic.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_queue_shows_reasons_and_highlights_without_trusting_the_text(
    app: Flask, moderator: FlaskClient
) -> None:
    with app.app_context():
        make_comment(body="<script>alert(1)</script> Ketamine CURES everything",
                     status=CommentStatus.HELD, spam_score=0.1, medical_claim_score=0.97,
                     reasons=["medical claim 0.97: cure claim, 'cures'"])  # fmt: skip
        make_comment(body="already public")
    page = moderator.get("/moderation/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "<mark>CURES</mark>" in page
    assert "medical claim 0.97: cure claim" in page and "0.97" in page
    assert "already public" not in page  # Held tab
    assert re.search(r'Held <span class="tab-count" data-tab="held">1</span>', page)
    assert "already public" in moderator.get("/moderation/?tab=published").get_data(as_text=True)


def test_empty_queue_says_so(moderator: FlaskClient) -> None:
    assert "Nothing to review." in moderator.get("/moderation/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "status", "label"),
    [
        ("approve", CommentStatus.PUBLISHED, "ham"),
        ("spam", CommentStatus.REJECTED, "spam"),
        ("medical_claim", CommentStatus.REJECTED, "medical_claim"),
        ("other", CommentStatus.REJECTED, "other"),
    ],
)
def test_each_decision_is_recorded_with_its_label(
    app: Flask, moderator: FlaskClient, action: str, status: CommentStatus, label: str
) -> None:
    with app.app_context():
        comment_id = make_comment(status=CommentStatus.HELD, spam_score=0.4,
                                  medical_claim_score=0.9, model_version="v1").id  # fmt: skip
    response = decide(moderator, comment_id, action, "held", note="off topic")
    assert response.status_code == 302
    assert reload_comment(app, comment_id).status is status
    with app.app_context():
        [decision] = db.session.scalars(sa.select(ModerationDecision)).all()
        assert decision.moderator == "mod@clinic.example"
        assert decision.label.value == label
        assert (decision.from_status, decision.to_status) == (CommentStatus.HELD, status)
        assert (decision.spam_score, decision.medical_claim_score) == (0.4, 0.9)
        assert decision.model_version == "v1"
        assert decision.note == "off topic"


def test_a_second_moderator_cannot_decide_again(app: Flask, moderator: FlaskClient) -> None:
    with app.app_context():
        comment_id = make_comment(status=CommentStatus.HELD).id
    decide(moderator, comment_id, "approve", "held")
    again = decide(moderator, comment_id, "spam", "held")
    page = moderator.get(again.headers["Location"]).get_data(as_text=True)
    assert "already published by mod@clinic.example; nothing changed" in page
    assert reload_comment(app, comment_id).status is CommentStatus.PUBLISHED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 1


def test_unpublish_counts_as_a_label(app: Flask, moderator: FlaskClient) -> None:
    with app.app_context():
        comment_id = make_comment().id
    decide(moderator, comment_id, "unpublish_medical_claim", "published")
    assert reload_comment(app, comment_id).status is CommentStatus.REJECTED
    with app.app_context():
        decision = db.session.scalars(sa.select(ModerationDecision)).one()
        assert (decision.action, decision.label.value) == ("unpublish", "medical_claim")


def test_decisions_without_a_csrf_token_are_refused(app: Flask, moderator: FlaskClient) -> None:
    with app.app_context():
        comment_id = make_comment(status=CommentStatus.HELD).id
    response = moderator.post(f"/moderation/{comment_id}/decide",
                              data={"action": "approve", "seen": "held"})  # fmt: skip
    assert response.status_code == 400
    assert reload_comment(app, comment_id).status is CommentStatus.HELD


def test_users_cli(app: Flask) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "Admin@Clinic.example", "--role", "admin"],
                            input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")  # fmt: skip
    assert created.exit_code == 0, created.output
    short = runner.invoke(args=["users", "create", "x@clinic.example"], input="short\nshort\n")
    assert short.exit_code != 0 and "12 characters" in short.output
    listed = runner.invoke(args=["users", "list"])
    assert "admin@clinic.example\tadmin" in listed.output
    with app.app_context():
        user = db.session.scalars(sa.select(Comment)).first()
        assert user is None  # the CLI touched staff accounts only


def test_hostile_comments_stay_text_in_the_queue(app: Flask, moderator: FlaskClient) -> None:
    from tests.test_rendering import XSS_CORPUS

    with app.app_context():
        for text in XSS_CORPUS:
            make_comment(
                body=text,
                author="<b onclick=alert(1)>x</b>",
                status=CommentStatus.HELD,
                reasons=["spam 0.99: 'script'", "medical claim 0.9: 'alert(1)'"],
            )
    page = moderator.get("/moderation/?tab=held").get_data(as_text=True)
    own_script = '<script src="/static/queue.js" defer></script>'
    assert page.count(own_script) == 1
    page = page.replace(own_script, "")  # the page's own code; everything else is comments
    assert page.count('class="card ') == len(XSS_CORPUS)
    for tag in (
        "<script",
        "<img",
        "<svg",
        "<iframe",
        "<style",
        "<math",
        "<b ",
        '<a href="javascript',
    ):
        assert tag not in page.lower(), tag
    # One per card, plus sign out, search and the bulk bar.
    assert page.lower().count("<form") == len(XSS_CORPUS) + 3


def test_audit_log_is_for_admins_and_filters(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff("mod@clinic.example")
        make_staff("boss@clinic.example", role="admin")
        held = [make_comment(status=CommentStatus.HELD).id for _ in range(2)]
    sign_in(client, "mod@clinic.example")
    decide(client, held[0], "approve", "held")
    decide(client, held[1], "spam", "held")
    assert client.get("/admin/audit").status_code == 403  # moderators are not admins
    client.post("/logout", data={"csrf_token": csrf_token(client, "/moderation/")})
    sign_in(client, "boss@clinic.example")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "2 decisions" in page and f"#{held[0]}" in page and "held → published" in page
    spam_only = client.get("/admin/audit", query_string={"label": "spam"}).get_data(as_text=True)
    assert "1 decision<" in spam_only and f"#{held[1]}" in spam_only
    assert f"#{held[0]}<" not in spam_only
