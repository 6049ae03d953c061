"""Label next: the comments the active model was least sure about, for moderators to label.

A score near a threshold is where a moderator's label moves the next model most.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import render_template

from .. import model_store
from ..auth import role_required
from ..db import Comment
from ..db import CommentStatus
from ..db import ModerationDecision
from ..db import Role
from ..db import db
from . import bp

UNCERTAIN_SHOWN = 30


def active_thresholds() -> dict[str, float]:
    """The thresholds comments are held at: configured overrides, else the active model's."""
    thresholds: dict[str, float] = {}
    active = model_store.active_version()
    saved: dict[str, Any] = {}
    if active:
        try:
            saved = model_store.get_version(active).metadata.get("thresholds", {})
        except model_store.UnknownVersion:
            saved = {}
    for label, key in (("spam", "SPAM_THRESHOLD"), ("medical_claim", "MEDICAL_CLAIM_THRESHOLD")):
        configured = current_app.config.get(key)
        thresholds[label] = float(configured if configured is not None else saved.get(label, 0.5))
    return thresholds


@bp.get("/label-next")
@role_required(Role.MODERATOR)
def label_next() -> str:
    """Unlabeled published or held comments scored nearest a threshold: labels that teach most."""
    thresholds = active_thresholds()
    spam = sa.func.abs(Comment.spam_score - thresholds["spam"])
    claim = sa.func.abs(Comment.medical_claim_score - thresholds["medical_claim"])
    nearest = sa.case((spam < claim, spam), else_=claim)
    comments = db.session.scalars(
        sa.select(Comment)
        .where(
            Comment.status.in_([CommentStatus.PUBLISHED, CommentStatus.HELD]),
            Comment.spam_score.is_not(None),
            Comment.medical_claim_score.is_not(None),
            Comment.deleted.is_(False),
            # Already labeled by a moderator: asking again teaches nothing.
            ~sa.select(ModerationDecision.id)
            .where(ModerationDecision.comment_id == Comment.id)
            .exists(),
        )
        .order_by(nearest, Comment.id.desc())
        .limit(UNCERTAIN_SHOWN)
    ).all()
    return render_template("moderation/label_next.html", comments=comments, thresholds=thresholds)
