"""Celery tasks. Thin: load, call a pure function from `models/` or `policy`, write, commit once."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from models.persistence import ModelUnavailable
from service.db import Comment
from service.db import CommentStatus
from service.db import db
from service.db import utcnow
from service.metrics import CLASSIFY_SECONDS
from service.notifications import status_changed

from .metrics import record_verdict
from .model_cache import active_classifier
from .policy import Verdict
from .policy import decide
from .policy_data import policy_inputs

log = logging.getLogger(__name__)

#: Errors worth retrying: the database restarting or a connection dropped.
TRANSIENT_DB_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)
SWEEP_BATCH = 500


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=12,
)
def classify_comment(self: Any, comment_id: int) -> str | None:
    """Score a pending comment and publish or hold it; decide once, however often it runs."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        log.warning("comment %s does not exist", comment_id)
        return None
    if comment.status != CommentStatus.PENDING:
        log.info("comment %s already %s; nothing to do", comment_id, comment.status.value)
        return comment.status.value
    values: dict[str, Any] = {}
    inputs = policy_inputs(comment)  # mode, lists, history: blocked lists apply without a model
    try:
        with CLASSIFY_SECONDS.time():
            classifier = active_classifier(Path(current_app.config["MODEL_STORE"]))
            scores = classifier.score([comment.body], thresholds=configured_thresholds())[0]
        verdict: Verdict = decide(scores, *inputs)
        values = {
            "spam_score": scores.spam.probability,
            "medical_claim_score": scores.medical_claim.probability,
            "model_version": classifier.version,
        }
    except ModelUnavailable as error:
        log.error("classifier unavailable for comment %s: %s", comment_id, error)
        verdict = decide(None, *inputs)
    except Exception:  # a bug in scoring must not leave the comment pending forever
        log.exception("classifier failed on comment %s", comment_id)
        verdict = decide(None, *inputs)
    # Only a still-pending row changes: a concurrent run or a moderator may have decided.
    result = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.PENDING)
        .values(status=verdict.status, reasons=verdict.reasons, decided_at=utcnow(), **values)
    )
    db.session.commit()
    if result.rowcount == 0:  # type: ignore[attr-defined]
        log.info("comment %s was decided elsewhere meanwhile", comment_id)
        return None
    record_verdict(verdict)
    log.info("comment %s %s", comment_id, verdict.status.value)
    status_changed(comment_id, verdict.status)
    return verdict.status.value


def configured_thresholds() -> dict[str, float | None]:
    """Thresholds from config override the model's own when set."""
    return {
        "spam": current_app.config["SPAM_THRESHOLD"],
        "medical_claim": current_app.config["MEDICAL_CLAIM_THRESHOLD"],
    }


@shared_task(acks_late=True)
def sweep_pending() -> int:
    """Re-enqueue comments left `pending` too long (broker down at post time, lost message)."""
    cutoff = utcnow() - timedelta(seconds=float(current_app.config["PENDING_SWEEP_AGE"]))
    stale = db.session.scalars(
        sa.select(Comment.id)
        .where(Comment.status == CommentStatus.PENDING, Comment.created_at < cutoff)
        .order_by(Comment.id)
        .limit(SWEEP_BATCH)
    ).all()
    for comment_id in stale:
        classify_comment.delay(comment_id)
    if stale:
        log.info("re-enqueued %d pending comments", len(stale))
    return len(stale)
