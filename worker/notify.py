"""Notifications, the sending side: moderator digests of held comments and reply emails.

Moderators: each held comment is a `HeldEvent` row; `send_held_digest` (beat, every
minute) claims every unsent event into one `NotificationDigest` whose `window` is
unique, so a spam wave of thousands is one message per NOTIFY_DIGEST_MINUTES window.
Messages name the thread, the author's display name, reasons and a short excerpt,
never an email address or an IP.

Commenters: `notify_reply` emails the parent's author once per published reply, with
an unsubscribe link, if they opted in and the reply is not their own.
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from service.config import split_list
from service.db import Comment
from service.db import CommentStatus
from service.db import HeldEvent
from service.db import NotificationDigest
from service.db import ReplyNotification
from service.db import ReplySubscription
from service.db import StaffUser
from service.db import db
from service.db import utcnow
from service.notifications import external_url
from service.notifications import moderators_notified
from service.notifications import unsubscribe_token

log = logging.getLogger(__name__)

NETWORK_TIMEOUT = 10.0
EXCERPTS = 5
EXCERPT_CHARS = 160
REPLY_EXCERPT_CHARS = 1000
TRUE_WORDS = {"1", "true", "yes", "on"}
#: Long header lines stay whole: a folded List-Unsubscribe URL would be RFC 2047-encoded.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


class DeliveryFailed(Exception):
    """Every configured channel failed; the held events stay unsent for the next run."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    payload: dict[str, Any]


# --- moderators: digests of held comments -------------------------------------------------


@shared_task(acks_late=True)
def send_held_digest() -> int:
    """Send one message about everything held since the last one (beat, and at once in mode 0)."""
    try:
        return send_digest(utcnow())
    except DeliveryFailed:
        log.error("held digest not delivered; the next run tries again")
        return 0


def window_key(now: datetime, minutes: int) -> str:
    """The digest window `now` falls in: one message per key, ever."""
    if minutes <= 0:
        return f"now:{uuid.uuid4().hex}"
    return f"{minutes}m:{int(now.timestamp() // (minutes * 60))}"


def send_digest(now: datetime) -> int:
    """Claim unsent held events into this window's digest and deliver it; returns the count."""
    if not moderators_notified():
        return 0
    events = db.session.scalars(
        sa.select(HeldEvent).where(HeldEvent.digest_id.is_(None)).order_by(HeldEvent.id)
    ).all()
    if not events:
        return 0
    event_ids = [event.id for event in events]
    digest = NotificationDigest(
        window=window_key(now, int(current_app.config["NOTIFY_DIGEST_MINUTES"])),
        held_count=0,
        channels=[],
    )
    db.session.add(digest)
    try:
        # Not a savepoint: pysqlite's RELEASE would commit it. Nothing else is pending here.
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        log.info("held digest: this window's message is already sent")
        return 0
    claimed = db.session.execute(
        sa.update(HeldEvent)
        .where(HeldEvent.id.in_(event_ids), HeldEvent.digest_id.is_(None))
        .values(digest_id=digest.id)
    )
    held = db.session.scalars(
        sa.select(Comment)
        .where(
            Comment.id.in_(sa.select(HeldEvent.comment_id).where(HeldEvent.digest_id == digest.id)),
            Comment.status == CommentStatus.HELD,
            ~Comment.deleted,
        )
        .order_by(Comment.id)
    ).all()
    if claimed.rowcount == 0 or not held:  # type: ignore[attr-defined]
        db.session.rollback()  # everything was reviewed already: nothing worth a message
        db.session.execute(sa.delete(HeldEvent).where(HeldEvent.id.in_(event_ids)))
        db.session.commit()
        return 0
    digest.held_count = len(held)
    try:
        digest.channels = deliver_to_moderators(digest_message(held))
    except DeliveryFailed:
        db.session.rollback()  # the events stay unsent for the next run
        raise
    db.session.commit()
    log.info("held digest %s: %d comments via %s", digest.id, len(held), digest.channels)
    return len(held)


def digest_message(held: Sequence[Comment]) -> Message:
    count = len(held)
    queue_url = external_url("moderation.queue")
    noun = "comment" if count == 1 else "comments"
    lines = [f"{count} {noun} held for review since the last message.", ""]
    items = []
    for comment in held[:EXCERPTS]:
        excerpt = truncate(comment.body, EXCERPT_CHARS)
        reasons = "; ".join(comment.reasons) or "held"
        lines += [f"- {comment.thread.uri} · {comment.author} · {reasons}", f"  {excerpt}"]
        items.append(
            {
                "id": comment.id,
                "thread": comment.thread.uri,
                "author": comment.author,
                "reasons": comment.reasons,
                "excerpt": excerpt,
                "created": comment.created_at.isoformat(),
            }
        )
    if count > EXCERPTS:
        lines.append(f"…and {count - EXCERPTS} more.")
    lines += ["", f"Review them: {queue_url}"]
    return Message(
        subject=f"{count} {noun} held for review",
        text="\n".join(lines),
        payload={
            "event": "comments_held",
            "count": count,
            "queue_url": queue_url,
            "comments": items,
        },
    )


def deliver_to_moderators(message: Message) -> list[str]:
    """Email and webhook, each tried on its own; raise only when every channel failed."""
    config = current_app.config
    delivered, failed = [], []
    if config.get("SMTP_HOST"):
        try:
            send_email(moderator_addresses(), message.subject, message.text)
            delivered.append("email")
        except (OSError, smtplib.SMTPException) as error:
            log.error("moderator email failed: %s", type(error).__name__)
            failed.append("email")
    if config.get("WEBHOOK_URL"):
        try:
            post_webhook(message)
            delivered.append("webhook")
        except OSError as error:  # urllib's URLError and HTTPError are OSErrors
            log.error("webhook failed: %s", type(error).__name__)
            failed.append("webhook")
    if failed and not delivered:
        raise DeliveryFailed(failed)
    return delivered


def moderator_addresses() -> list[str]:
    """MODERATOR_EMAILS, or every active staff account when it says "staff" (the default)."""
    configured = split_list(str(current_app.config.get("MODERATOR_EMAILS") or "staff"))
    if configured and configured != ["staff"]:
        return configured
    return list(
        db.session.scalars(
            sa.select(StaffUser.email).where(StaffUser.active).order_by(StaffUser.id)
        )
    )


def webhook_body(message: Message) -> bytes:
    if str(current_app.config.get("WEBHOOK_FORMAT", "json")).lower() == "slack":
        return json.dumps({"text": slack_escape(f"{message.subject}\n{message.text}")}).encode()
    return json.dumps(message.payload).encode()


def slack_escape(text: str) -> str:
    """Comment text must not become Slack markup (`<!channel>` pings, disguised links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signature(secret: str, body: bytes) -> str:
    """The `X-Signature-256` value: HMAC-SHA256 of the exact body, as GitHub signs webhooks."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(message: Message) -> None:
    body = webhook_body(message)
    headers = {"Content-Type": "application/json", "User-Agent": "clinic-comments"}
    secret = current_app.config.get("WEBHOOK_SECRET")
    if secret:
        headers["X-Signature-256"] = signature(str(secret), body)
    request = urllib.request.Request(
        str(current_app.config["WEBHOOK_URL"]), data=body, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT) as response:  # noqa: S310
        response.read()


# --- commenters: replies ------------------------------------------------------------------


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def notify_reply(reply_id: int) -> str:
    """Email the parent's author about a published reply, once; returns what happened."""
    outcome, subscription, reply = reply_recipient(reply_id)
    if subscription is None or reply is None:
        log.info("reply %s: no email (%s)", reply_id, outcome)
        return outcome
    db.session.add(ReplyNotification(reply_id=reply_id))
    try:
        db.session.flush()  # a concurrent run of this task stops here (unique reply_id)
    except sa.exc.IntegrityError:
        db.session.rollback()
        return "already sent"
    parent = subscription.comment
    assert parent.email is not None
    link = external_url("subscriptions.unsubscribe", token=unsubscribe_token(subscription.id))
    send_email([parent.email], *reply_email(reply, parent, link), unsubscribe=link)
    db.session.commit()
    log.info("reply %s: parent %s's author notified", reply_id, parent.id)
    return "sent"


def reply_recipient(reply_id: int) -> tuple[str, ReplySubscription | None, Comment | None]:
    """Who should hear about this reply, or why nobody should."""
    if not current_app.config.get("SMTP_HOST"):
        return "email not configured", None, None
    reply = db.session.get(Comment, reply_id)
    if reply is None or reply.parent_id is None:
        return "not a reply", None, None
    if reply.status is not CommentStatus.PUBLISHED or reply.deleted:
        return "not published", None, None
    subscription = db.session.scalar(
        sa.select(ReplySubscription).where(ReplySubscription.comment_id == reply.parent_id)
    )
    if subscription is None or not subscription.active:
        return "not subscribed", None, None
    parent = subscription.comment
    if parent.deleted or not parent.email:
        return "not subscribed", None, None
    if reply.email and reply.email.casefold() == parent.email.casefold():
        return "own reply", None, None
    if db.session.scalar(
        sa.select(ReplyNotification.id).where(ReplyNotification.reply_id == reply_id)
    ):
        return "already sent", None, None
    return "send", subscription, reply


def reply_email(reply: Comment, parent: Comment, unsubscribe_link: str) -> tuple[str, str]:
    title = one_line(reply.thread.title or reply.thread.uri, 120)
    lines = [
        f"Hello {one_line(parent.author, 80)},",
        "",
        f"{one_line(reply.author, 80)} replied to your comment on “{title}”:",
        "",
        *("  " + line for line in truncate(reply.body, REPLY_EXCERPT_CHARS).splitlines()),
        "",
    ]
    if reply.thread.url:
        lines += [f"Read the conversation: {reply.thread.url}", ""]
    lines += [
        "You get this email because you asked to hear about replies to your comments.",
        f"Stop these emails: {unsubscribe_link}",
    ]
    return f"New reply to your comment on “{title}”", "\n".join(lines)


# --- shared --------------------------------------------------------------------------------


def send_email(to: list[str], subject: str, text: str, *, unsubscribe: str | None = None) -> None:
    """One plain-text message through SMTP_HOST (STARTTLS and login when configured)."""
    if not to:
        log.warning("no recipient for %r", subject)
        return
    config = current_app.config
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = config["SMTP_FROM"]
    message["To"] = ", ".join(to)
    message["Subject"] = one_line(subject, 200)
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.set_content(text)
    port = int(config.get("SMTP_PORT") or 587)
    with smtplib.SMTP(str(config["SMTP_HOST"]), port, timeout=NETWORK_TIMEOUT) as smtp:
        if str(config.get("SMTP_STARTTLS", "")).lower() in TRUE_WORDS:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            smtp.login(str(config["SMTP_USER"]), str(config.get("SMTP_PASSWORD") or ""))
        smtp.send_message(message)


def truncate(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """Untrusted text safe for a header or a single line: no line breaks, bounded."""
    return truncate(" ".join(text.split()), limit)
