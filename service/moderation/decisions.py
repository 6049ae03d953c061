"""Applying a moderator's decision: once, from the status they saw, with a record of it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..db import Comment
from ..db import CommentStatus
from ..db import Label
from ..db import ModerationDecision
from ..db import db
from ..db import utcnow
from ..notifications import status_changed


@dataclass(frozen=True)
class Action:
    name: str
    to_status: CommentStatus
    label: Label
    allowed_from: frozenset[CommentStatus]


REVIEWABLE = frozenset({CommentStatus.HELD, CommentStatus.PENDING})
ACTIONS = {
    "approve": Action("approve", CommentStatus.PUBLISHED, Label.HAM, REVIEWABLE),
    "spam": Action("reject", CommentStatus.REJECTED, Label.SPAM, REVIEWABLE),
    "medical_claim": Action("reject", CommentStatus.REJECTED, Label.MEDICAL_CLAIM, REVIEWABLE),
    "other": Action("reject", CommentStatus.REJECTED, Label.OTHER, REVIEWABLE),
    "unpublish_spam": Action(
        "unpublish", CommentStatus.REJECTED, Label.SPAM, frozenset({CommentStatus.PUBLISHED})
    ),
    "unpublish_medical_claim": Action(
        "unpublish",
        CommentStatus.REJECTED,
        Label.MEDICAL_CLAIM,
        frozenset({CommentStatus.PUBLISHED}),
    ),  # fmt: skip
    "unpublish_other": Action(
        "unpublish", CommentStatus.REJECTED, Label.OTHER, frozenset({CommentStatus.PUBLISHED})
    ),
}


class AlreadyDecided(Exception):
    """Someone else changed the comment since the moderator saw it."""

    def __init__(self, status: CommentStatus, by: str | None) -> None:
        super().__init__(status.value)
        self.status = status
        self.by = by


def decide(
    comment_id: int, action_key: str, seen: CommentStatus, moderator: str, note: str | None
) -> ModerationDecision:
    """Move the comment from `seen` to the action's status, atomically, and record it.

    :raise AlreadyDecided: the comment is no longer in the status the moderator saw.
    :raise KeyError: unknown action; LookupError: no such comment.
    """
    action = ACTIONS[action_key]
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise LookupError(comment_id)
    if seen not in action.allowed_from:
        raise AlreadyDecided(comment.status, None)
    moved = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment_id, Comment.status == seen)
        .values(status=action.to_status, decided_at=utcnow())
    )
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        db.session.rollback()
        last = last_moderator(comment_id)
        current = db.session.get(Comment, comment_id)
        raise AlreadyDecided(current.status if current else seen, last)
    decision = ModerationDecision(
        comment_id=comment_id,
        moderator=moderator,
        action=action.name,
        from_status=seen,
        to_status=action.to_status,
        label=action.label,
        note=(note or None) and note[:500],
        spam_score=comment.spam_score,
        medical_claim_score=comment.medical_claim_score,
        model_version=comment.model_version,
    )
    db.session.add(decision)
    db.session.commit()
    status_changed(comment_id, action.to_status)
    return decision


UNDO = "undo"


@dataclass
class UndoOutcome:
    """What an undo did: the reversal rows written, and the comments it had to leave alone."""

    undone: list[ModerationDecision]
    skipped: list[tuple[int, AlreadyDecided]]


def undo(decision_ids: list[int], moderator: str) -> UndoOutcome:
    """Put each comment back in the status it had before this moderator's decision.

    Writes an `undo` decision per comment (from the decided status back to the earlier
    one) and links the original to it with `reverted_by_id`, so neither counts as a
    training label (see `training_labels`). A comment that someone changed since (or a
    decision already undone, or not this moderator's) is skipped, never overwritten.
    """
    outcome = UndoOutcome([], [])
    for decision in db.session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.id.in_(decision_ids))
        .order_by(ModerationDecision.id)
    ).all():
        if decision.moderator != moderator or decision.reverted_by_id is not None:
            outcome.skipped.append((decision.comment_id, AlreadyDecided(decision.to_status, None)))
            continue
        moved = db.session.execute(
            sa.update(Comment)
            .where(Comment.id == decision.comment_id, Comment.status == decision.to_status)
            .values(
                status=decision.from_status,
                decided_at=None if decision.from_status in REVIEWABLE else utcnow(),
            )
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            current = db.session.get(Comment, decision.comment_id)
            status = current.status if current else decision.to_status
            outcome.skipped.append((decision.comment_id, AlreadyDecided(status, last_moderator(
                decision.comment_id))))  # fmt: skip
            continue
        reversal = ModerationDecision(
            comment_id=decision.comment_id,
            moderator=moderator,
            action=UNDO,
            from_status=decision.to_status,
            to_status=decision.from_status,
            label=decision.label,
            note=f"undo of decision #{decision.id}",
            spam_score=decision.spam_score,
            medical_claim_score=decision.medical_claim_score,
            model_version=decision.model_version,
        )
        db.session.add(reversal)
        db.session.flush()
        decision.reverted_by_id = reversal.id
        outcome.undone.append(reversal)
    db.session.commit()
    return outcome


def last_moderator(comment_id: int) -> str | None:
    """Who made the latest decision on the comment (for "already decided by X")."""
    return db.session.scalar(
        sa.select(ModerationDecision.moderator)
        .where(ModerationDecision.comment_id == comment_id)
        .order_by(ModerationDecision.id.desc())
        .limit(1)
    )


def training_labels() -> sa.Select[tuple[ModerationDecision]]:
    """The decisions that are training examples: neither undone nor an undo themselves."""
    return sa.select(ModerationDecision).where(
        ModerationDecision.action != UNDO, ModerationDecision.reverted_by_id.is_(None)
    )
