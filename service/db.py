"""The ORM: threads, comments and the moderation decisions that become training data."""

from __future__ import annotations

import enum
import time
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


#: A pooled connection unused this long is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 1.0


@sa.event.listens_for(sa.pool.Pool, "checkin")
def remember_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


@sa.event.listens_for(sa.pool.Pool, "checkout")
def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat unused for a second before it serves a request.

    Instead of `pool_pre_ping`, which pings on every checkout: under load each web
    process takes its connection back within milliseconds, and that ping was a round
    trip per request (~0.1 ms of web CPU per POST). A connection the server dropped
    (a restart, an idle timeout) has sat unused for at least as long as the server was
    gone; a failed ping makes the pool replace it (`DisconnectionError`).
    """
    checked_in = record.info.get("checked_in")
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as error:  # any driver's "connection is gone"
        raise sa.exc.DisconnectionError(str(error)) from error


@sa.event.listens_for(sa.Engine, "connect")
def plan_each_execution(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL: plan every execution of a prepared statement for its own parameters.

    psycopg prepares a statement run five times, and PostgreSQL may then keep one generic
    plan for good. Made while a table is small (a new deployment, a new thread), that plan
    can pick the wrong index: the duplicate check's generic plan scanned every comment of
    the thread through `ix_comments_thread_status_created`, so each POST to a busy thread
    cost more than the one before (PostgreSQL CPU per POST 0.39 -> 0.81 ms over 6,000
    posts; a custom plan stays at 0.39 ms). Planning these small statements is cheap.
    """
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


def utcnow() -> datetime:
    return datetime.now(UTC)


#: Where a statement runs: the request's ORM session, or a connection of its own.
Executor = sa.orm.Session | sa.Connection
_AUTOCOMMIT_ENGINE = "autocommit_engine"


def autocommit_connection() -> sa.Connection:
    """A pooled connection on which each statement commits on its own.

    For a write that is a single statement: one round trip, where a transaction costs
    three (BEGIN, the statement, COMMIT) and the ORM session's bookkeeping around them.
    """
    extensions = current_app.extensions
    engine: sa.Engine | None = extensions.get(_AUTOCOMMIT_ENGINE)
    if engine is None:  # shares db.engine's pool; built once per app
        engine = extensions.setdefault(
            _AUTOCOMMIT_ENGINE, db.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
    return engine.connect()


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"


class Label(enum.StrEnum):
    """What a moderator said a comment is; `ham` is an approval."""

    HAM = "ham"
    SPAM = "spam"
    MEDICAL_CLAIM = "medical_claim"
    OTHER = "other"


def enum_column(enum_class: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """A VARCHAR with a CHECK constraint: the same schema on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def text_prefix(text: Any) -> sa.ColumnElement[str]:
    """The first 64 characters, as the duplicate-check index stores them.

    The bounds are SQL literals, not parameters, so PostgreSQL can match the expression
    to the index; the same `substr` works on SQLite.
    """
    return sa.func.substr(text, sa.literal_column("1"), sa.literal_column("64"))


class Thread(db.Model):  # type: ignore[name-defined,misc]
    """One article of the blog, identified by its URI path."""

    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(sa.String(500), unique=True)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    comments: Mapped[list[Comment]] = relationship(back_populates="thread", lazy="raise")


class Comment(db.Model):  # type: ignore[name-defined,misc]
    """A reader's comment and the verdict on it (the classifier's, then a human's)."""

    __tablename__ = "comments"
    __table_args__ = (
        sa.Index("ix_comments_thread_status_created", "thread_id", "status", "id"),
        # The queue's keyset pages: one status, in id order (fast with 10,000 held).
        sa.Index("ix_comments_status_id", "status", "id"),
        # The duplicate check (abuse.duplicate_of): one address, one thread, the same text.
        sa.Index(
            "ix_comments_duplicate_check",
            "thread_id",
            "ip_hash",
            text_prefix(sa.text("body")),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    author: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    website: Mapped[str | None] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text)
    #: The body as sanitised HTML, rendered once when stored (see `rendering.py`).
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus, "comment_status"), default=CommentStatus.PENDING
    )
    spam_score: Mapped[float | None]
    medical_claim_score: Mapped[float | None]
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    model_version: Mapped[str | None] = mapped_column(sa.String(64))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ip_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Deleted by its author: hidden, or shown as "[deleted]" while it has replies.
    deleted: Mapped[bool] = mapped_column(default=False)

    thread: Mapped[Thread] = relationship(back_populates="comments", lazy="joined")
    decisions: Mapped[list[ModerationDecision]] = relationship(
        back_populates="comment", lazy="raise", order_by="ModerationDecision.id"
    )


class ModerationDecision(db.Model):  # type: ignore[name-defined,misc]
    """One human decision on a comment; with the seed corpus, these rows are the training data."""

    __tablename__ = "moderation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    moderator: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus, "decision_from_status")
    )
    to_status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus, "decision_to_status")
    )
    label: Mapped[Label] = mapped_column(enum_column(Label, "decision_label"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    spam_score: Mapped[float | None]
    medical_claim_score: Mapped[float | None]
    model_version: Mapped[str | None] = mapped_column(sa.String(64))
    #: Set when a moderator undid this decision: the row of the undo (action "undo"). Neither
    #: an undone decision nor an undo row is a training label (see moderation.decisions).
    reverted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderation_decisions.id", ondelete="SET NULL")
    )

    comment: Mapped[Comment] = relationship(back_populates="decisions", lazy="raise")


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    MEDICAL_MISINFORMATION = "medical_misinformation"
    ABUSIVE = "abusive"
    OTHER = "other"


class Report(db.Model):  # type: ignore[name-defined,misc]
    """A reader's report of a published comment; one per reader (address hash) and comment."""

    __tablename__ = "reports"
    __table_args__ = (sa.UniqueConstraint("comment_id", "ip_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    ip_hash: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason, "report_reason", 30))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class StaffUser(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A moderator or admin; passwords are stored as scrypt hashes."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "staff_role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class PrivacyErasure(db.Model):  # type: ignore[name-defined,misc]
    """Audit record of one erasure of a commenter's data (GDPR), without the address itself.

    `email_hash` is keyed like the IP hashes, so "was this address erased, and when?"
    can be answered for a given address, but the address cannot be read back.
    """

    __tablename__ = "privacy_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(254))
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    comments: Mapped[int]


class ModerationMode(enum.StrEnum):
    """How much the worker may publish on its own (one mode for the installation)."""

    FLAGGED_ONLY = "flagged_only"
    PREMODERATE_ALL = "premoderate_all"
    PREMODERATE_FIRST = "premoderate_first"
    SHADOW = "shadow"


class ListKind(enum.StrEnum):
    """The lists admins keep; the worker's decision policy applies them."""

    TRUSTED_EMAIL = "trusted_email"
    BLOCKED_EMAIL = "blocked_email"
    BLOCKED_IP = "blocked_ip"
    BLOCKED_WORD = "blocked_word"
    BLOCKED_DOMAIN = "blocked_domain"
    WATCHED_WORD = "watched_word"
    WATCHED_DOMAIN = "watched_domain"


class PolicySettings(db.Model):  # type: ignore[name-defined,misc]
    """The single row (id 1) of moderation settings; missing means the defaults.

    `lists_version` changes (to a fresh random value) with every list edit, so each
    worker rebuilds its compiled matcher only when a list changed, whatever database
    it last read.
    """

    __tablename__ = "policy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[ModerationMode] = mapped_column(
        enum_column(ModerationMode, "moderation_mode"), default=ModerationMode.FLAGGED_ONLY
    )
    lists_version: Mapped[str] = mapped_column(sa.String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(sa.String(254))


class ListEntry(db.Model):  # type: ignore[name-defined,misc]
    """One entry of an admin-managed list: an email, an IP hash, a word or a domain."""

    __tablename__ = "list_entries"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ListKind] = mapped_column(enum_column(ListKind, "list_kind"))
    value: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))


# Notifications and imports (see service/notifications.py, worker/notify.py, service/transfer/).


class ReplySubscription(db.Model):  # type: ignore[name-defined,misc]
    """A commenter asked to be emailed when their comment gets a published reply."""

    __tablename__ = "reply_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    comment: Mapped[Comment] = relationship(lazy="joined")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ReplyNotification(db.Model):  # type: ignore[name-defined,misc]
    """One reply email sent (at most one per reply, however often it is published)."""

    __tablename__ = "reply_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class NotificationDigest(db.Model):  # type: ignore[name-defined,misc]
    """One message to moderators; `window` is unique, so a window sends at most one."""

    __tablename__ = "notification_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    window: Mapped[str] = mapped_column(sa.String(40), unique=True)
    held_count: Mapped[int]
    channels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class HeldEvent(db.Model):  # type: ignore[name-defined,misc]
    """A comment was held; the next digest to moderators claims it."""

    __tablename__ = "held_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    digest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notification_digests.id", ondelete="SET NULL"), index=True
    )


class ImportKey(db.Model):  # type: ignore[name-defined,misc]
    """Where an imported comment came from, so importing the same file twice adds nothing."""

    __tablename__ = "import_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    imported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class TrainingStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TrainingRun(db.Model):  # type: ignore[name-defined,misc]
    """One retrain: the worker writes its progress here and the admin page polls it."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[TrainingStatus] = mapped_column(
        enum_column(TrainingStatus, "training_status"), default=TrainingStatus.QUEUED
    )
    step: Mapped[str] = mapped_column(sa.String(100), default="queued")
    percent: Mapped[int] = mapped_column(default=0)
    requested_by: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[str | None] = mapped_column(sa.String(64))
    promoted: Mapped[bool | None]
    error: Mapped[str | None] = mapped_column(sa.String(1000))


class ModelEvent(db.Model):  # type: ignore[name-defined,misc]
    """The audit log of the model lifecycle: trained, promoted, refused, activated, re-scored."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(30), index=True)
    version: Mapped[str | None] = mapped_column(sa.String(64))
    previous_version: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
