"""Notifications against a real SMTP server (aiosmtpd) and a real HTTP webhook receiver."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

import worker.notify  # noqa: F401  (registers the notification tasks)
import worker.tasks  # noqa: F401  (registers classify_comment)
from service.db import Comment
from service.db import CommentStatus
from service.db import HeldEvent
from service.db import NotificationDigest
from service.db import ReplySubscription
from service.db import db
from service.moderation.decisions import decide
from service.notifications import status_changed
from tests.factories import CSRF
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import payload
from tests.test_worker import CLEAN
from tests.test_worker import SPAM
from tests.test_worker import wait_until_decided
from worker.notify import DeliveryFailed
from worker.notify import notify_reply
from worker.notify import reply_recipient
from worker.notify import send_digest

PUBLIC_URL = "https://comments.clinic.example"
SECRET = "webhook-shared-secret"
SPAMMER_EMAIL = "spammer@bad.example"
SPAMMER_IP_HASH = "f" * 32
WINDOW_START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a 15-minute window boundary


@dataclass
class Sink:
    port: int
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@dataclass
class Receiver:
    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    """A real SMTP server in a thread that keeps every message it accepts."""
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    """A real HTTP server in a thread that records each POST's headers and body."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks/comments", requests=received)
    server.shutdown()
    server.server_close()


@pytest.fixture
def notifying_app(
    make_app: Callable[..., Flask], smtp_sink: Sink, webhook: Receiver
) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        settings: dict[str, Any] = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_sink.port,
            "SMTP_FROM": "comments@clinic.example",
            "WEBHOOK_URL": webhook.url,
            "WEBHOOK_SECRET": SECRET,
            "NOTIFY_DIGEST_MINUTES": 15,
            "PUBLIC_URL": PUBLIC_URL,
        }
        return make_app(**(settings | overrides))

    return make


def hold(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        comment = make_comment(
            body=f"Cheap ketamine, no prescription, offer {n}: https://cheap-k.example",
            author=f"Seller {n}",
            email=SPAMMER_EMAIL,
            ip_hash=SPAMMER_IP_HASH,
            status=CommentStatus.HELD,
            reasons=["spam 0.99: a link, buying without prescription"],
        )
        status_changed(comment.id, CommentStatus.HELD)


def verify(headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Signature-256"], expected)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout}s")
        time.sleep(0.05)


def text_of(message: Message) -> str:
    part = message.get_payload(decode=True)
    assert isinstance(part, bytes)
    return part.decode()


def test_a_spam_wave_is_one_message_per_window_on_each_channel(
    notifying_app: Callable[..., Flask], smtp_sink: Sink, webhook: Receiver
) -> None:
    app = notifying_app()
    with app.app_context():
        make_staff("mod@clinic.example")
        make_staff("admin@clinic.example", role="admin")
        hold(40)
        assert send_digest(WINDOW_START + timedelta(minutes=1)) == 40
        hold(3, start=40)  # more arrive in the same window: they wait for the next one
        assert send_digest(WINDOW_START + timedelta(minutes=9)) == 0

    assert len(smtp_sink.messages) == 1 and len(webhook.requests) == 1
    recipients, message = smtp_sink.messages[0]
    assert sorted(recipients) == ["admin@clinic.example", "mod@clinic.example"]
    assert message["Subject"] == "40 comments held for review"
    text = text_of(message)
    assert "40 comments held for review" in text
    assert "Cheap ketamine, no prescription, offer 0" in text
    assert "…and 35 more." in text
    assert f"Review them: {PUBLIC_URL}/moderation/" in text
    headers, body = webhook.requests[0]
    assert verify(headers, body)
    sent = json.loads(body)
    assert sent["count"] == 40 and len(sent["comments"]) == 5
    assert sent["queue_url"] == f"{PUBLIC_URL}/moderation/"
    for raw in (message.as_string(), body.decode()):
        assert SPAMMER_EMAIL not in raw and SPAMMER_IP_HASH not in raw

    with app.app_context():
        assert send_digest(WINDOW_START + timedelta(minutes=16)) == 3
        assert send_digest(WINDOW_START + timedelta(minutes=17)) == 0  # nothing new
    assert len(smtp_sink.messages) == 2 and len(webhook.requests) == 2
    assert "3 comments held for review" in text_of(smtp_sink.messages[1][1])
    assert verify(*webhook.requests[1])


def test_a_forged_body_fails_the_signature(
    notifying_app: Callable[..., Flask], webhook: Receiver
) -> None:
    app = notifying_app(SMTP_HOST=None)
    with app.app_context():
        hold(1)
        assert send_digest(WINDOW_START) == 1
    headers, body = webhook.requests[0]
    assert verify(headers, body)
    assert not verify(headers, body.replace(b'"count": 1', b'"count": 2'))


def test_slack_payload_is_text_only_and_signed(
    notifying_app: Callable[..., Flask], webhook: Receiver
) -> None:
    app = notifying_app(SMTP_HOST=None, WEBHOOK_FORMAT="slack")
    with app.app_context():
        hold(1)
        pinger = make_comment(body="<!channel> see <https://evil.example|your bank>",
                              status=CommentStatus.HELD)  # fmt: skip
        status_changed(pinger.id, CommentStatus.HELD)
        assert send_digest(WINDOW_START) == 2
    headers, body = webhook.requests[0]
    assert verify(headers, body)
    sent = json.loads(body)
    assert list(sent) == ["text"]
    assert sent["text"].startswith("2 comments held for review")
    assert "&lt;!channel&gt; see &lt;https://evil.example|your bank&gt;" in sent["text"]
    assert "<" not in sent["text"]
    assert SPAMMER_EMAIL not in sent["text"]


def test_comments_reviewed_before_the_digest_send_nothing(
    notifying_app: Callable[..., Flask], smtp_sink: Sink, webhook: Receiver
) -> None:
    app = notifying_app()
    with app.app_context():
        make_staff()
        hold(2)
        for comment_id in db.session.scalars(sa.select(Comment.id)):
            decide(comment_id, "spam", CommentStatus.HELD, "mod@clinic.example", None)
        assert send_digest(WINDOW_START) == 0
        assert db.session.scalar(sa.select(sa.func.count(HeldEvent.id))) == 0
    assert smtp_sink.messages == [] and webhook.requests == []


def test_without_channels_nothing_is_recorded(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with app.app_context():
        hold(2)
        assert db.session.scalar(sa.select(sa.func.count(HeldEvent.id))) == 0
        assert send_digest(WINDOW_START) == 0


@pytest.mark.worker
def test_a_comment_held_by_the_worker_is_announced_at_once(
    notifying_app: Callable[..., Flask], smtp_sink: Sink, webhook: Receiver
) -> None:
    from celery.contrib.testing.worker import start_worker

    app = notifying_app(NOTIFY_DIGEST_MINUTES=0, MODERATOR_EMAILS="team@clinic.example")
    client = app.test_client()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        response = client.post("/api/v1/comments", json=payload(body=SPAM, email=SPAMMER_EMAIL))
        comment_id = response.get_json()["id"]
        assert wait_until_decided(app, [comment_id])[comment_id].status is CommentStatus.HELD
        wait_for(lambda: len(smtp_sink.messages) == 1 and len(webhook.requests) == 1, "message")
    recipients, message = smtp_sink.messages[0]
    assert recipients == ["team@clinic.example"]
    assert "1 comment held for review" in text_of(message)
    assert "cheap-k.example" in text_of(message)
    assert SPAMMER_EMAIL not in message.as_string()
    assert verify(*webhook.requests[0])


def subscribed_parent(author_email: str = "maria@example.org") -> Comment:
    parent = make_comment(email=author_email)
    db.session.add(ReplySubscription(comment_id=parent.id))
    db.session.commit()
    return parent


def test_no_mail_for_held_rejected_or_own_replies(
    notifying_app: Callable[..., Flask], smtp_sink: Sink
) -> None:
    app = notifying_app(WEBHOOK_URL=None)
    with app.app_context():
        parent = subscribed_parent()
        held = make_comment(parent_id=parent.id, status=CommentStatus.HELD,
                            email="daniel@example.org", body="A held reply.")  # fmt: skip
        status_changed(held.id, CommentStatus.HELD)
        assert notify_reply.run(held.id) == "not published"
        decide(held.id, "spam", CommentStatus.HELD, "mod@clinic.example", None)
        assert notify_reply.run(held.id) == "not published"
        own = make_comment(parent_id=parent.id, email="Maria@Example.org", body="Me again.")
        assert notify_reply.run(own.id) == "own reply"
        unsubscribed_parent = make_comment(email="ana@example.org")
        reply = make_comment(parent_id=unsubscribed_parent.id, email=None, body="Hello Ana.")
        assert reply_recipient(reply.id)[0] == "not subscribed"
    assert smtp_sink.messages == []


def test_the_notify_field_is_validated(app: Flask) -> None:
    client = app.test_client()
    wrong = client.post("/api/v1/comments", json=payload(notify_replies="yes"))
    assert wrong.status_code == 422
    assert "notify_replies" in wrong.get_json()["error"]["fields"]
    no_email = client.post("/api/v1/comments", json=payload(notify_replies=True))
    assert no_email.status_code == 422
    assert "email" in no_email.get_json()["error"]["fields"]
    ok = client.post("/api/v1/comments", json=payload(notify_replies=True, email="a@example.org"))
    plain = client.post("/api/v1/comments", json=payload(email="b@example.org"))
    assert ok.status_code == plain.status_code == 202
    with app.app_context():
        subscribed = db.session.scalars(sa.select(ReplySubscription.comment_id)).all()
    assert subscribed == [ok.get_json()["id"]]


def test_unsubscribe_needs_a_valid_token_and_a_csrf_token(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/notifications/unsubscribe/forged").status_code == 404
    with app.app_context():
        from service.notifications import unsubscribe_token

        subscription_id = subscribed_parent().id
        token = unsubscribe_token(subscription_id)
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(ReplySubscription.active)).all() == [True]


@pytest.mark.worker
def test_published_replies_email_the_parent_once_until_they_unsubscribe(
    notifying_app: Callable[..., Flask], smtp_sink: Sink
) -> None:
    from celery.contrib.testing.worker import start_worker

    app = notifying_app(WEBHOOK_URL=None)
    client = app.test_client()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        parent_id = client.post(
            "/api/v1/comments",
            json=payload(body=CLEAN, email="maria@example.org", notify_replies=True,
                         url="https://blog.clinic.example/ketamine"),
        ).get_json()["id"]  # fmt: skip
        assert wait_until_decided(app, [parent_id])[parent_id].status is CommentStatus.PUBLISHED
        # Published by the worker: the parent's author hears about it.
        reply_id = client.post(
            "/api/v1/comments",
            json=payload(body="Thank you, the article answered my questions too.",
                         author="Daniel", email="daniel@example.org", parent_id=parent_id),
        ).get_json()["id"]  # fmt: skip
        assert wait_until_decided(app, [reply_id])[reply_id].status is CommentStatus.PUBLISHED
        wait_for(lambda: len(smtp_sink.messages) == 1, "reply email")

        # Held, then approved by a moderator: one more email.
        with app.app_context():
            held = make_comment(
                parent_id=parent_id, status=CommentStatus.HELD, author="Lucia", email=None,
                body="Did it help with sleep?",
            )  # fmt: skip
            decide(held.id, "approve", CommentStatus.HELD, "mod@clinic.example", None)
        wait_for(lambda: len(smtp_sink.messages) == 2, "email after approval")

    recipients, message = smtp_sink.messages[0]
    assert recipients == ["maria@example.org"]
    text = text_of(message)
    assert "Daniel replied to your comment" in text
    assert "Thank you, the article answered my questions too." in text
    assert "Read the conversation: https://blog.clinic.example/ketamine" in text
    assert "daniel@example.org" not in message.as_string()
    assert "Lucia replied" in text_of(smtp_sink.messages[1][1])
    link = re.search(rf"{re.escape(PUBLIC_URL)}(/notifications/unsubscribe/\S+)", text)
    assert link is not None
    assert message["List-Unsubscribe"] == f"<{PUBLIC_URL}{link[1]}>"

    with app.app_context():  # a second run of the task (redelivery) sends nothing
        assert notify_reply.run(reply_id) == "already sent"

    page = client.get(link[1])
    assert "Stop these emails" in page.get_data(as_text=True)
    csrf = CSRF.search(page.get_data(as_text=True))
    assert csrf is not None
    done = client.post(link[1], data={"csrf_token": csrf[1]})
    assert done.status_code == 303
    assert "You are unsubscribed" in client.get(link[1]).get_data(as_text=True)

    with app.app_context():
        later = make_comment(parent_id=parent_id, author="Pablo", email=None, body="Same here.")
        assert notify_reply.run(later.id) == "not subscribed"
    assert len(smtp_sink.messages) == 2


def test_a_failed_delivery_keeps_the_holds_for_the_next_run(
    notifying_app: Callable[..., Flask], webhook: Receiver
) -> None:
    app = notifying_app(SMTP_HOST=None, WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/down")
    with app.app_context():
        hold(2)
        with pytest.raises(DeliveryFailed):
            send_digest(WINDOW_START)
        assert db.session.scalar(sa.select(sa.func.count(NotificationDigest.id))) == 0
    app.config["WEBHOOK_URL"] = webhook.url  # the receiver is back
    with app.app_context():
        assert send_digest(WINDOW_START + timedelta(minutes=1)) == 2
    assert json.loads(webhook.requests[0][1])["count"] == 2


def test_a_comment_held_by_readers_reports_is_announced(
    notifying_app: Callable[..., Flask], webhook: Receiver
) -> None:
    app = notifying_app(SMTP_HOST=None, REPORT_THRESHOLD=2)
    client = app.test_client()
    with app.app_context():
        comment_id = make_comment(body="You should all stop your medication today.").id
    for address in ("192.0.2.1", "192.0.2.2"):
        response = client.post(
            f"/api/v1/comments/{comment_id}/reports",
            json={"reason": "medical_misinformation"},
            environ_base={"REMOTE_ADDR": address},
        )
        assert response.status_code == 202
    with app.app_context():
        assert send_digest(WINDOW_START) == 1
    sent = json.loads(webhook.requests[0][1])
    assert sent["comments"][0]["id"] == comment_id
    assert "reported by readers" in sent["comments"][0]["reasons"]
