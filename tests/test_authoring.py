"""Authors edit or delete their own comment for a while; readers report published ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import Comment
from service.db import CommentStatus
from service.db import Report
from service.db import db
from service.db import utcnow
from service.identity import status_serializer
from service.identity import status_token
from service.identity import token_matches
from tests.factories import THREAD_URI
from tests.factories import make_comment
from tests.factories import payload
from tests.factories import reload_comment

URL = "/api/v1/comments"


def posted(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(URL, json=payload(**overrides))
    assert response.status_code == 202
    data: dict[str, Any] = response.get_json()
    return data


def decide(app: Flask, comment_id: int, status: CommentStatus, **values: Any) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Comment).where(Comment.id == comment_id).values(status=status, **values)
        )
        db.session.commit()


def listed(client: FlaskClient) -> list[dict[str, Any]]:
    comments: list[dict[str, Any]] = client.get(
        URL, query_string={"thread": THREAD_URI}
    ).get_json()["comments"]
    return comments


@pytest.mark.parametrize("comment_id", [0, 1, 9, 12_345, 2**31 - 1, 2**62])
def test_status_tokens_are_the_serializers_and_still_verify(app: Flask, comment_id: int) -> None:
    """status_token signs without the serializer's JSON and compression steps; the token
    must stay the serializer's, or every token already handed out would stop working."""
    with app.app_context():
        token = status_token(comment_id)
        assert token == status_serializer().dumps(comment_id)
        assert token_matches(token, comment_id)
        assert not token_matches(token, comment_id + 1)


def test_edit_sends_the_comment_back_through_classification(
    app: Flask, client: FlaskClient
) -> None:
    mine = posted(client, body="first words")
    decide(app, mine["id"], CommentStatus.PUBLISHED, spam_score=0.1, reasons=[])
    response = client.patch(
        f"{URL}/{mine['id']}", query_string={"token": mine["token"]}, json={"body": "**new** words"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "pending"
    assert response.get_json()["html"] == "<p><strong>new</strong> words</p>"
    comment = reload_comment(app, mine["id"])
    assert (comment.status, comment.body, comment.spam_score) == (
        CommentStatus.PENDING, "**new** words", None,
    )  # fmt: skip
    assert comment.edited_at is not None
    assert listed(client) == []  # not shown again until the classifier has decided


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_only_the_token_holder_within_the_window_may_change_it(
    app: Flask, client: FlaskClient, method: str
) -> None:
    mine = posted(client)
    other = posted(client)
    call = getattr(client, method)
    kwargs: dict[str, Any] = {"json": {"body": "x"}} if method == "patch" else {}
    forged = call(f"{URL}/{mine['id']}", query_string={"token": other["token"]}, **kwargs)
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "invalid_token"
    decide(app, mine["id"], CommentStatus.PUBLISHED, created_at=utcnow() - timedelta(minutes=16))
    late = call(f"{URL}/{mine['id']}", query_string={"token": mine["token"]}, **kwargs)
    assert late.status_code == 403 and late.get_json()["error"]["code"] == "edit_window_closed"
    decide(app, other["id"], CommentStatus.REJECTED)
    rejected = call(f"{URL}/{other['id']}", query_string={"token": other["token"]}, **kwargs)
    assert rejected.status_code == 403


@pytest.mark.parametrize(
    "body", [{"body": ""}, {"body": "x" * 5001}, {"body": "ok", "author": "x"}]
)
def test_bad_edits_are_422_and_change_nothing(
    app: Flask, client: FlaskClient, body: dict[str, Any]
) -> None:
    mine = posted(client, body="original")
    response = client.patch(f"{URL}/{mine['id']}", query_string={"token": mine["token"]}, json=body)
    assert response.status_code == 422
    assert reload_comment(app, mine["id"]).body == "original"


def test_deleted_comment_vanishes_or_shows_deleted_while_answered(
    app: Flask, client: FlaskClient
) -> None:
    lonely = posted(client, body="nobody answers me")
    answered = posted(client, body="somebody answers me")
    for comment in (lonely, answered):
        decide(app, comment["id"], CommentStatus.PUBLISHED)
    with app.app_context():
        make_comment(body="an answer", parent_id=answered["id"])
    for comment in (lonely, answered):
        response = client.delete(f"{URL}/{comment['id']}", query_string={"token": comment["token"]})
        assert response.status_code == 204
    [shown] = listed(client)
    assert shown["deleted"] is True and shown["body"] == "" and shown["author"] == ""
    assert shown["replies"][0]["body"] == "an answer"
    assert "somebody answers me" not in client.get(
        URL, query_string={"thread": THREAD_URI}
    ).get_data(as_text=True)
    counts = client.get("/api/v1/counts", query_string={"thread": THREAD_URI}).get_json()
    assert counts == {THREAD_URI: 1}
    gone = client.get(f"{URL}/{lonely['id']}", query_string={"token": lonely["token"]})
    assert gone.status_code == 404


def test_reports_from_enough_distinct_readers_hold_the_comment(
    app: Flask, client: FlaskClient
) -> None:
    app.config["REPORT_THRESHOLD"] = 2
    with app.app_context():
        comment_id = make_comment(body="questionable").id
    report = f"{URL}/{comment_id}/reports"
    first = client.post(report, json={"reason": "spam"}, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    again = client.post(
        report, json={"reason": "abusive"}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    )
    assert first.status_code == again.status_code == 202
    assert (
        reload_comment(app, comment_id).status is CommentStatus.PUBLISHED
    )  # one reader, counted once
    second = client.post(
        report, json={"reason": "medical_misinformation"}, environ_base={"REMOTE_ADDR": "192.0.2.2"}
    )
    assert second.status_code == 202
    held = reload_comment(app, comment_id)
    assert held.status is CommentStatus.HELD
    assert held.reasons[-1] == "reported by readers"
    with app.app_context():
        reasons = set(db.session.scalars(sa.select(Report.reason)))
    assert {r.value for r in reasons} == {"spam", "medical_misinformation"}
    assert client.post(report, json={"reason": "spam"}).status_code == 404  # no longer published


@pytest.mark.parametrize("body", [{}, {"reason": "boring"}, {"reason": "spam", "x": 1}, []])
def test_bad_reports_are_422(app: Flask, client: FlaskClient, body: Any) -> None:
    with app.app_context():
        comment_id = make_comment().id
    response = client.post(f"{URL}/{comment_id}/reports", json=body)
    assert response.status_code == 422


def test_status_token_for_a_deleted_or_missing_comment(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        token = status_token(999)
    assert client.delete(f"{URL}/999", query_string={"token": token}).status_code == 404
