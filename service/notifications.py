"""Notifications, the web side: record what happened and queue the sending for the worker.

Nothing here talks to an SMTP server or a webhook: a request (or the classify task)
only writes a row and enqueues `worker.notify.*` by name, so a slow mail server never
slows a comment down. The worker's `worker/notify.py` does the sending.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import url_for
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from .db import Comment
from .db import CommentStatus
from .db import HeldEvent
from .db import ReplySubscription
from .db import db
from .queue import enqueue

log = logging.getLogger(__name__)

DIGEST_TASK = "worker.notify.send_held_digest"
REPLY_TASK = "worker.notify.notify_reply"
UNSUBSCRIBE_SALT = "reply-unsubscribe"


def moderators_notified() -> bool:
    """Held comments are announced only when an email server or a webhook is configured."""
    return bool(current_app.config.get("SMTP_HOST") or current_app.config.get("WEBHOOK_URL"))


def status_changed(comment_id: int, status: CommentStatus) -> None:
    """Call after committing a comment's new status (worker verdict or moderator decision).

    Held: recorded for the moderators' next digest (sent at once when
    NOTIFY_DIGEST_MINUTES is 0). Published: a reply's parent author may get an email.
    """
    if status is CommentStatus.HELD and moderators_notified():
        db.session.add(HeldEvent(comment_id=comment_id))
        db.session.commit()
        if int(current_app.config["NOTIFY_DIGEST_MINUTES"]) <= 0:
            enqueue(DIGEST_TASK)
    elif status is CommentStatus.PUBLISHED and current_app.config.get("SMTP_HOST"):
        parent_id = db.session.scalar(sa.select(Comment.parent_id).where(Comment.id == comment_id))
        if parent_id is not None:
            enqueue(REPLY_TASK, comment_id)


def subscribe_replies(comment_id: int, email: str | None, wanted: bool) -> None:
    """Remember that the author wants an email for published replies (same commit as the post)."""
    if wanted and email:
        db.session.add(ReplySubscription(comment_id=comment_id))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(subscription_id: int) -> str:
    return _serializer().dumps(subscription_id)


def subscription_for_token(token: str) -> ReplySubscription | None:
    """The subscription a signed unsubscribe token names, or None when forged or unknown."""
    try:
        subscription_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(subscription_id, int):
        return None
    return db.session.get(ReplySubscription, subscription_id)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for emails, built outside any request from PUBLIC_URL."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)
