"""The ORM: threads, comments and the moderation decisions that become training data."""

from __future__ import annotations

import enum
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa
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


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    __table_args__ = (sa.Index("ix_comments_thread_status_created", "thread_id", "status", "id"),)

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
        enum_column(CommentStatus, "comment_status"), default=CommentStatus.PENDING, index=True
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
