"""Privacy: emails and IPs never leave through public answers or logs; GDPR export and erasure."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from service.db import Comment
from service.db import CommentStatus
from service.db import ModerationDecision
from service.db import PrivacyErasure
from service.db import Report
from service.db import db
from service.identity import hash_ip
from service.moderation.decisions import decide
from tests.factories import THREAD_URI
from tests.factories import csrf_token
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import payload
from tests.factories import reload_comment
from tests.factories import sign_in

API = "/api/v1/comments"
EMAIL = "Rosa.Private@Example.org"
IP = "198.51.100.23"
OTHER = "jon@example.net"


def test_emails_and_ips_never_reach_public_answers_or_logs(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reader = {"REMOTE_ADDR": IP}
    answers: list[Any] = []

    def call(method: str, path: str, **kw: Any) -> Any:
        response = client.open(path, method=method, environ_base=reader, **kw)
        answers.append(response)
        return response

    posted = call("POST", API, json=payload(email=EMAIL, website="https://rosa.example"))
    assert posted.status_code == 202
    comment_id, token = posted.get_json()["id"], posted.get_json()["token"]
    call("POST", API, json=payload(author="bad", email="not an email"))  # an error answer
    with app.app_context():
        db.session.execute(
            sa.update(Comment).where(Comment.id == comment_id).values(status="published")
        )
        db.session.commit()
    reply = call("POST", API, json=payload(email=EMAIL, parent_id=comment_id))
    call("GET", API, query_string={"thread": THREAD_URI})
    call("GET", API, query_string={"thread": THREAD_URI, "sort": "newest", "per_page": 1})
    call("GET", f"{API}/{comment_id}", query_string={"token": token})
    reply_id, reply_token = reply.get_json()["id"], reply.get_json()["token"]
    call("GET", f"{API}/{reply_id}", query_string={"token": reply_token})
    call("POST", f"{API}/{comment_id}/reports", json={"reason": "spam"})
    call("PATCH", f"{API}/{comment_id}", query_string={"token": token}, json={"body": "edited"})
    call("GET", "/api/v1/counts", query_string={"thread": THREAD_URI})
    call("GET", "/")
    with app.app_context():
        ip_hash = hash_ip(IP)
        rows = [*db.session.scalars(sa.select(Comment)), *db.session.scalars(sa.select(Report))]
        stored = [getattr(row, col.key) for row in rows for col in type(row).__table__.columns]
        assert set(db.session.scalars(sa.select(Comment.ip_hash))) == {ip_hash}
        assert set(db.session.scalars(sa.select(Report.ip_hash))) == {ip_hash}
    assert not any(IP in str(value) for value in stored)  # only its keyed hash is kept
    assert {a.status_code for a in answers} <= {200, 202, 422}
    for answer in answers:
        text = answer.get_data(as_text=True).lower() + str(answer.headers).lower()
        for secret in (EMAIL.lower(), IP, ip_hash):
            assert secret not in text, (answer.request.path, secret)
    logged = caplog.text.lower()
    assert "comment" in logged  # the requests did log something
    assert EMAIL.lower() not in logged and IP not in logged


@pytest.fixture
def rosa(app: Flask) -> dict[str, int]:
    """Rosa's two comments (one answered by Jon), a moderator's decision and a report."""
    with app.app_context():
        make_staff("mod@clinic.example")
        held = make_comment(author="Rosa", email=EMAIL.lower(), body="Rosa held",
                            status=CommentStatus.HELD, ip_hash="a" * 32,
                            user_agent="Firefox")  # fmt: skip
        answered = make_comment(author="Rosa", email=EMAIL, body="Rosa answered",
                                website="https://rosa.example")  # fmt: skip
        jon = make_comment(author="Jon", email=OTHER, body="Jon replies", parent_id=answered.id)
        decide(held.id, "approve", CommentStatus.HELD, "mod@clinic.example", "fine")
        db.session.add(Report(comment_id=answered.id, ip_hash="b" * 32, reason="spam"))
        db.session.commit()
        return {"held": held.id, "answered": answered.id, "jon": jon.id}


def test_export_prints_everything_about_the_address(
    runner: FlaskCliRunner, rosa: dict[str, int]
) -> None:
    result = runner.invoke(args=["privacy", "export", "rosa.private@EXAMPLE.org"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    comments = {c["id"]: c for c in data["comments"]}
    assert set(comments) == {rosa["held"], rosa["answered"]}  # not Jon's reply
    held, answered = comments[rosa["held"]], comments[rosa["answered"]]
    assert held["body"] == "Rosa held" and held["user_agent"] == "Firefox"
    assert held["decisions"][0] | {"created_at": None} == {
        "created_at": None, "action": "approve", "from": "held", "to": "published",
        "label": "ham", "note": "fine",
    }  # fmt: skip
    assert "mod@clinic.example" not in result.output  # staff are not named
    assert answered["website"] == "https://rosa.example"
    assert [r["reason"] for r in answered["reports"]] == ["spam"]
    assert data["erasures"] == []


def test_delete_asks_first_then_blanks_and_keeps_others_replies(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, rosa: dict[str, int]
) -> None:
    refused = runner.invoke(args=["privacy", "delete", EMAIL], input="n\n")
    assert refused.exit_code == 1
    assert reload_comment(app, rosa["held"]).body == "Rosa held"

    result = runner.invoke(args=["privacy", "delete", EMAIL], input="y\n")
    assert result.exit_code == 0, result.output
    assert "erased 2 comment(s)" in result.output
    for key in ("held", "answered"):
        gone = reload_comment(app, rosa[key])
        assert gone.deleted and gone.body == gone.body_html == gone.author == ""
        assert gone.email is gone.website is gone.ip_hash is gone.user_agent is None
    assert reload_comment(app, rosa["jon"]).body == "Jon replies"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0
        erasure = db.session.scalars(sa.select(PrivacyErasure)).one()
        assert (erasure.actor, erasure.comments) == ("cli", 2)
        assert "rosa" not in erasure.email_hash.lower()

    listing = client.get(API, query_string={"thread": THREAD_URI}).get_json()
    [parent] = listing["comments"]  # the held one was never public; the answered one stays
    assert parent["deleted"] and parent["author"] == parent["body"] == ""
    assert [r["body"] for r in parent["replies"]] == ["Jon replies"]

    again = json.loads(runner.invoke(args=["privacy", "export", EMAIL]).output)
    assert again["comments"] == [] and again["erasures"][0]["comments"] == 2


def test_privacy_page_is_for_admins_with_a_csrf_token(
    app: Flask, client: FlaskClient, rosa: dict[str, int]
) -> None:
    assert sign_in(client, "mod@clinic.example").status_code == 302
    assert client.get("/admin/privacy").status_code == 403
    assert client.post("/admin/privacy/erase", data={"email": EMAIL}).status_code in (400, 403)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/moderation/")})
    with app.app_context():
        make_staff("admin@clinic.example", role="admin")
    assert sign_in(client, "admin@clinic.example").status_code == 302
    token = csrf_token(client, "/admin/privacy")

    no_token = client.post("/admin/privacy/erase", data={"email": EMAIL, "confirm": "yes"})
    assert no_token.status_code == 400
    exported = client.post("/admin/privacy/export", data={"email": EMAIL, "csrf_token": token})
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert len(exported.get_json()["comments"]) == 2

    unconfirmed = client.post("/admin/privacy/erase", data={"email": EMAIL, "csrf_token": token})
    assert unconfirmed.status_code == 302
    assert reload_comment(app, rosa["answered"]).body == "Rosa answered"
    erased = client.post("/admin/privacy/erase", follow_redirects=True,
                         data={"email": EMAIL, "confirm": "yes", "csrf_token": token})  # fmt: skip
    assert "Erased 2 comment(s)" in erased.get_data(as_text=True)
    assert reload_comment(app, rosa["answered"]).deleted
    with app.app_context():
        assert db.session.scalars(sa.select(PrivacyErasure.actor)).one() == "admin@clinic.example"
