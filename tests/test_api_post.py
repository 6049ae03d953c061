"""POST /api/v1/comments: validation, storage as pending, and every error case."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import Comment
from service.db import CommentStatus
from service.db import Thread
from service.db import db
from service.identity import token_matches
from tests.factories import THREAD_URI
from tests.factories import make_comment
from tests.factories import make_thread
from tests.factories import payload

URL = "/api/v1/comments"
#: The module: `service.db` as an attribute path names the SQLAlchemy object instead.
db_module = importlib.import_module("service.db")


def count_comments(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) or 0


def test_valid_comment_is_stored_pending_and_answered_202(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        URL,
        json=payload(email="Maria@Example.org", website="https://maria.example.org/", title="T"),
        headers={"User-Agent": "pytest-browser/1.0"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 202
    data = response.get_json()
    assert set(data) == {"id", "status", "token"}
    assert data["status"] == "pending"
    assert response.headers["Location"].startswith(f"/api/v1/comments/{data['id']}?token=")
    with app.app_context():
        comment = db.session.get(Comment, data["id"])
        assert comment is not None
        assert comment.status is CommentStatus.PENDING
        assert comment.thread.uri == THREAD_URI
        assert comment.thread.title == "T"
        assert comment.email == "Maria@example.org"  # the domain part is normalised
        assert comment.user_agent == "pytest-browser/1.0"
        assert comment.ip_hash and "203.0.113.7" not in comment.ip_hash
        assert len(comment.ip_hash) == 32
        assert token_matches(data["token"], comment.id)


def test_text_is_trimmed_and_stored_verbatim(app: Flask, client: FlaskClient) -> None:
    body = "  <script>alert('x')</script>\n\nSecond paragraph 💊  "
    response = client.post(URL, json=payload(author="  Ann  ", body=body))
    assert response.status_code == 202
    with app.app_context():
        comment = db.session.get(Comment, response.get_json()["id"])
        assert comment is not None
        assert comment.author == "Ann"
        assert comment.body == body.strip()


def test_same_ip_gets_same_hash_and_other_ip_another(app: Flask, client: FlaskClient) -> None:
    ids = [
        client.post(URL, json=payload(), environ_base={"REMOTE_ADDR": ip}).get_json()["id"]
        for ip in ("198.51.100.1", "198.51.100.1", "198.51.100.2")
    ]
    with app.app_context():
        hashes = [db.session.get(Comment, i).ip_hash for i in ids]  # type: ignore[union-attr]
    assert hashes[0] == hashes[1] != hashes[2]


def test_forwarded_for_is_trusted_only_from_configured_proxies(
    app: Flask, client: FlaskClient
) -> None:
    headers = {"X-Forwarded-For": "192.0.2.50"}
    spoofed = client.post(URL, json=payload(), headers=headers).get_json()["id"]
    app.config["TRUSTED_PROXIES"] = 1
    proxied = client.post(URL, json=payload(), headers=headers).get_json()["id"]
    direct = client.post(URL, json=payload(), environ_base={"REMOTE_ADDR": "192.0.2.50"})
    with app.app_context():
        get = db.session.get
        assert get(Comment, spoofed).ip_hash != get(Comment, proxied).ip_hash  # type: ignore[union-attr]
        assert get(Comment, proxied).ip_hash == get(Comment, direct.get_json()["id"]).ip_hash  # type: ignore[union-attr]


def test_thread_is_created_once(app: Flask, client: FlaskClient) -> None:
    for _ in range(3):
        assert client.post(URL, json=payload()).status_code == 202
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 1


def test_a_late_title_fills_an_untitled_thread_once(app: Flask, client: FlaskClient) -> None:
    for title in (None, None, "Ketamine and CRPS", "Another title"):
        assert client.post(URL, json=payload(title=title)).status_code == 202
    with app.app_context():
        assert db.session.scalars(sa.select(Thread.title)).all() == ["Ketamine and CRPS"]


def test_a_remembered_thread_that_is_gone_is_looked_up_again(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    """Thread ids are remembered per process; a row deleted underneath (a restored
    database) fails the insert's foreign key, and the post finds or makes the thread again."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite does not enforce foreign keys here")
    for _ in range(2):  # the second post finds the committed thread and remembers its id
        assert client.post(URL, json=payload()).status_code == 202
    with app.app_context():
        db.session.execute(sa.delete(Comment))
        db.session.execute(sa.delete(Thread))
        db.session.commit()
    response = client.post(URL, json=payload())
    assert response.status_code == 202
    with app.app_context():
        comment = db.session.get(Comment, response.get_json()["id"])
        assert comment is not None and comment.thread.uri == THREAD_URI


class StatementLog:
    """The statements the app's engine runs, and its transactions' commits."""

    def __init__(self, app: Flask) -> None:
        self.statements: list[str] = []
        self.commits = 0
        with app.app_context():
            self.engine = db.engine
        sa.event.listen(self.engine, "before_cursor_execute", self.statement)
        sa.event.listen(self.engine, "commit", self.commit)

    def statement(self, *args: Any) -> None:
        self.statements.append(str(args[2]).split(None, 1)[0].upper())

    def commit(self, _connection: Any) -> None:
        self.commits += 1

    def stop(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self.statement)
        sa.event.remove(self.engine, "commit", self.commit)


def test_a_comment_on_a_known_article_is_stored_in_one_statement(
    app: Flask, client: FlaskClient
) -> None:
    """The common post is a single autocommitted INSERT (which also checks for a duplicate):
    no BEGIN and COMMIT round trips, and it is committed when the answer is sent."""
    for _ in range(2):  # the second post finds the committed thread and remembers its id
        assert client.post(URL, json=payload()).status_code == 202
    log = StatementLog(app)
    try:
        response = client.post(URL, json=payload(body="One statement."))
        duplicate = client.post(URL, json=payload(body="One statement."))
    finally:
        log.stop()
    assert response.status_code == 202 and duplicate.status_code == 409
    assert log.statements == ["INSERT", "INSERT", "SELECT"]  # the repeat: no row, then which
    assert log.commits == 0
    with app.app_context():  # another connection sees it: committed
        comment = db.session.get(Comment, response.get_json()["id"])
        assert comment is not None and comment.body == "One statement."
    assert count_comments(app) == 3


def test_a_first_comment_or_a_reply_subscription_is_written_in_one_transaction(
    app: Flask, client: FlaskClient
) -> None:
    """More than one row to write (a new thread, a subscription) commits them together."""
    log = StatementLog(app)
    try:
        first = client.post(URL, json=payload())
        client.post(URL, json=payload())  # the thread is remembered from here on
        subscribed = client.post(URL, json=payload(email="a@example.org", notify_replies=True))
    finally:
        log.stop()
    assert first.status_code == subscribed.status_code == 202
    assert log.commits == 3
    with app.app_context():
        subscription = db.session.scalars(sa.select(db_module.ReplySubscription)).one()
        assert subscription.comment_id == subscribed.get_json()["id"]


def drop_pooled_connection(app: Flask) -> None:
    """The database server closes the app's pooled connection (a restart, an idle timeout)."""
    with app.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.commit()
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_connection_the_database_dropped_is_replaced_after_a_pause(
    app: Flask, client: FlaskClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection is pinged only once it sat unused (service.db.ping_if_idle):
    taken back at once, a dropped one still costs its request a 503, never a 500."""
    if database_url.startswith("sqlite"):
        pytest.skip("no server to drop the connection")
    assert client.post(URL, json=payload(body="Before the drop.")).status_code == 202
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    drop_pooled_connection(app)
    assert client.post(URL, json=payload(body="Right after it.")).status_code == 503
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    drop_pooled_connection(app)
    assert client.post(URL, json=payload(body="After a pause.")).status_code == 202
    assert count_comments(app) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"thread": None}, "thread"),
        ({"thread": ""}, "thread"),
        ({"thread": "blog/no-leading-slash"}, "thread"),
        ({"thread": "/blog/with space"}, "thread"),
        ({"thread": "/" + "x" * 500}, "thread"),
        ({"thread": 42}, "thread"),
        ({"author": None}, "author"),
        ({"author": "   "}, "author"),
        ({"author": "x" * 81}, "author"),
        ({"author": ["Ann"]}, "author"),
        ({"body": None}, "body"),
        ({"body": " \n\t "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "nul\x00byte"}, "body"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": 12}, "email"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://files.example.org"}, "website"),
        ({"website": "http://"}, "website"),
        ({"website": "http://[broken"}, "website"),
        ({"url": "data:text/html,hi"}, "url"),
        ({"title": "t" * 201}, "title"),
        ({"parent_id": "1"}, "parent_id"),
        ({"parent_id": 0}, "parent_id"),
        ({"parent_id": True}, "parent_id"),
        ({"parent_id": 1.5}, "parent_id"),
        ({"status": "published"}, "status"),
        ({"spam_score": 0.0}, "spam_score"),
    ],
)
def test_invalid_fields_get_422_naming_the_field(
    app: Flask, client: FlaskClient, overrides: dict[str, Any], field: str
) -> None:
    body = payload()
    body.update(overrides)
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post(URL, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert count_comments(app) == 0


def test_limits_are_inclusive(client: FlaskClient) -> None:
    response = client.post(URL, json=payload(author="a" * 80, body="b" * 5000))
    assert response.status_code == 202


def test_all_bad_fields_are_reported_together(client: FlaskClient) -> None:
    response = client.post(URL, json={"thread": "x", "author": "", "email": "bad"})
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"thread", "author", "body", "email"}


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("author=a&body=b", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ('{"author": "a"}', "text/plain", 415, "unsupported_media_type"),
        ("{not json", "application/json", 400, "invalid_json"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
        ("[1, 2, 3]", "application/json", 400, "bad_request"),
        ("null", "application/json", 400, "bad_request"),
        ('"a string"', "application/json", 400, "bad_request"),
    ],
)
def test_malformed_requests_get_clear_json_errors(
    app: Flask, client: FlaskClient, data: str | bytes, content_type: str, status: int, code: str
) -> None:
    response = client.post(URL, data=data, content_type=content_type)
    assert response.status_code == status
    assert response.is_json
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    assert count_comments(app) == 0


def test_oversized_body_gets_413(app: Flask, client: FlaskClient) -> None:
    big = json.dumps(payload(body="x" * (70 * 1024)))
    response = client.post(URL, data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert count_comments(app) == 0


def test_reply_to_published_comment_in_same_thread(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        parent_id = make_comment().id
    response = client.post(URL, json=payload(parent_id=parent_id))
    assert response.status_code == 202
    with app.app_context():
        reply = db.session.get(Comment, response.get_json()["id"])
        assert reply is not None and reply.parent_id == parent_id


@pytest.mark.parametrize("case", ["missing", "other_thread", "held", "pending", "rejected"])
def test_reply_needs_a_published_parent_in_the_same_thread(
    app: Flask, client: FlaskClient, case: str
) -> None:
    with app.app_context():
        if case == "missing":
            parent_id = 9999
        elif case == "other_thread":
            parent_id = make_comment(thread=make_thread("/blog/nad-plus")).id
        else:
            parent_id = make_comment(status=CommentStatus(case)).id
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
    response = client.post(URL, json=payload(parent_id=parent_id))
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["error"]["fields"]
    assert count_comments(app) == before


@pytest.mark.parametrize("broker", ["filesystem"], indirect=True)
def test_comment_is_kept_when_the_broker_is_down(app: Flask, client: FlaskClient) -> None:
    """The comment is committed before enqueueing; the sweeper re-enqueues it later."""
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"
    response = client.post(URL, json=payload())
    assert response.status_code == 202
    with app.app_context():
        comment = db.session.get(Comment, response.get_json()["id"])
        assert comment is not None and comment.status is CommentStatus.PENDING
