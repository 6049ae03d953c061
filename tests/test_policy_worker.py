"""Modes and lists applied by a real worker: from the admin's change to the comment's status."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.db import CommentStatus
from service.db import Label
from service.db import ListKind
from service.db import ModerationDecision
from service.db import ModerationMode
from service.db import db
from service.policy import add_entries
from service.policy import set_mode
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import payload
from tests.factories import sign_in
from tests.test_worker import CLEAN
from tests.test_worker import SPAM
from tests.test_worker import broken_model_app  # noqa: F401  (the fixture)
from tests.test_worker import wait_until_decided

pytestmark = pytest.mark.worker

EMAIL = "ana@example.org"
_serial = itertools.count(1)


def post(client: FlaskClient, body: str, ip: str = "127.0.0.1", **fields: str) -> int:
    response = client.post(
        "/api/v1/comments",
        json=payload(body=f"{body} ({next(_serial)})", **fields),
        environ_base={"REMOTE_ADDR": ip},
    )
    assert response.status_code == 202, response.get_json()
    return int(response.get_json()["id"])


def configure(app: Flask, mode: ModerationMode | None = None, **lists: list[str]) -> None:
    with app.app_context():
        if mode is not None:
            set_mode(mode, "test")
        for kind, values in lists.items():
            add_entries(ListKind(kind), values, "test")
        db.session.commit()


def decided(app: Flask, comment_id: int) -> tuple[CommentStatus, list[str]]:
    comment = wait_until_decided(app, [comment_id])[comment_id]
    return comment.status, comment.reasons


def test_pre_moderate_all_holds_clean_comments(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    configure(app, ModerationMode.PREMODERATE_ALL)
    assert decided(app, post(client, CLEAN, email=EMAIL)) == (
        CommentStatus.HELD,
        ["pre-moderation: every comment"],
    )


def test_pre_moderate_first_holds_new_commenters_only(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    configure(app, ModerationMode.PREMODERATE_FIRST)
    first = post(client, CLEAN, email=EMAIL)
    new_reason = ["pre-moderation: first comment of a new commenter"]
    assert decided(app, first) == (CommentStatus.HELD, new_reason)
    with app.app_context():
        make_comment(email=EMAIL, status=CommentStatus.PUBLISHED)  # approved earlier
    assert decided(app, post(client, CLEAN, email=EMAIL)) == (CommentStatus.PUBLISHED, [])
    # Without an email the IP hash identifies the commenter (127.0.0.1 has published above).
    assert decided(app, post(client, CLEAN)) == (CommentStatus.PUBLISHED, [])
    assert decided(app, post(client, CLEAN, ip="198.51.100.7")) == (CommentStatus.HELD, new_reason)


def test_shadow_publishes_and_records_what_the_model_would_have_done(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    configure(app, ModerationMode.SHADOW)
    spam = post(client, SPAM)
    status, reasons = decided(app, spam)
    assert status is CommentStatus.PUBLISHED
    assert reasons[0] == "shadow: would hold" and reasons[1].startswith("spam ")
    listed = client.get("/api/v1/comments", query_string={"thread": payload()["thread"]})
    assert spam in [c["id"] for c in listed.get_json()["comments"]]
    with app.app_context():
        make_staff("mod@clinic.example")
    sign_in(client, "mod@clinic.example")
    page = client.get("/moderation/?tab=published").get_data(as_text=True)
    assert "shadow: would hold" in page


def test_trusted_commenter_publishes_what_would_be_held(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    with app.app_context():
        for _ in range(3):
            approved = make_comment(email=EMAIL, status=CommentStatus.PUBLISHED)
            db.session.add(ModerationDecision(
                comment_id=approved.id, moderator="m", action="approve", label=Label.HAM,
                from_status=CommentStatus.HELD, to_status=CommentStatus.PUBLISHED,
            ))  # fmt: skip
        db.session.commit()
    assert decided(app, post(client, SPAM, email=EMAIL)) == (
        CommentStatus.PUBLISHED,
        ["trusted commenter"],
    )
    assert decided(app, post(client, SPAM, email="stranger@example.org"))[0] is CommentStatus.HELD


def test_watched_word_added_by_an_admin_reaches_the_running_worker(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    text = "Has anyone tried ibogaine after the infusions?"
    before = decided(app, post(client, text))  # the worker has compiled the (empty) lists
    assert not any(reason.startswith("watched") for reason in before[1])
    configure(app, watched_word=["Ibogaine"], blocked_domain=["cheap-k.example"])
    status, reasons = decided(app, post(client, text))
    assert status is CommentStatus.HELD and "watched word: Ibogaine" in reasons
    assert decided(app, post(client, "Nice.", website="https://www.cheap-k.example")) == (
        CommentStatus.REJECTED,
        ["spam: blocked domain: cheap-k.example"],
    )


def test_blocked_lists_apply_without_a_classifier(broken_model_app: Flask) -> None:  # noqa: F811
    from celery.contrib.testing.worker import start_worker

    app = broken_model_app
    client = app.test_client()
    configure(app, blocked_email=["Blocked@Example.org"])
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        blocked = post(client, CLEAN, email="blocked@example.org")
        other = post(client, CLEAN, email=EMAIL)
        assert decided(app, blocked) == (CommentStatus.REJECTED, ["spam: blocked email"])
        assert decided(app, other) == (CommentStatus.HELD, ["classifier unavailable"])


def test_blocked_ip_hash_is_rejected(app: Flask, client: FlaskClient, celery_worker: None) -> None:
    configure(app, blocked_ip=["127.0.0.1"])  # the test client's address, hashed on entry
    assert decided(app, post(client, CLEAN)) == (
        CommentStatus.REJECTED,
        ["spam: blocked IP address"],
    )
