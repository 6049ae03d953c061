"""Celery tasks. Thin: load, call a pure function from `models/` or `policy`, write, commit once."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from models import Scores
from models.persistence import ModelUnavailable
from service.coalescing import release_run
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
from .policy_data import load_policy
from .policy_data import policy_inputs

log = logging.getLogger(__name__)

#: Errors worth retrying: the database restarting or a connection dropped.
TRANSIENT_DB_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)
#: Batches one run decides before it hands the rest to a fresh run.
DRAIN_BATCHES = 20


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
    """Score a pending comment and publish or hold it; decide once, however often it runs.

    A run also drains the other pending comments, CLASSIFY_BATCH per model call and
    commit, so under load one run decides many comments (their own tasks, if any, find
    them decided and return at once; with Redis most posts send none: see
    `service/coalescing.py`).
    """
    # Lock our own row (waiting for a batch that holds it), then take unlocked others:
    # a run only ever waits before it holds any lock, so two batches cannot deadlock.
    comment = db.session.get(Comment, comment_id, with_for_update={"of": Comment})
    status: str | None = None
    if comment is None:
        log.warning("comment %s does not exist", comment_id)
        db.session.rollback()
    elif comment.status != CommentStatus.PENDING:
        log.info("comment %s already %s; nothing to do", comment_id, comment.status.value)
        status = comment.status.value
        db.session.rollback()
    else:
        batch = [comment, *pending_batch(batch_size() - 1, exclude=comment_id)]
        verdict = decide_batch(batch).get(comment_id)
        if verdict is None:
            log.info("comment %s was decided elsewhere meanwhile", comment_id)
        status = verdict.status.value if verdict else None
    drain_pending()
    return status


def batch_size() -> int:
    return max(1, int(current_app.config["CLASSIFY_BATCH"]))


def pending_batch(limit: int, exclude: int | None = None) -> list[Comment]:
    """The oldest pending comments no other run holds, locked for this one.

    SKIP LOCKED (PostgreSQL): two runs never score the same comment, and rows another
    batch holds are skipped rather than waited for. SQLite ignores the lock; the
    conditional UPDATE in `decide_batch` still decides each comment once.
    """
    if limit <= 0:
        return []
    query = sa.select(Comment).where(Comment.status == CommentStatus.PENDING)
    if exclude is not None:
        query = query.where(Comment.id != exclude)
    return list(
        db.session.scalars(
            query.order_by(Comment.id).limit(limit).with_for_update(skip_locked=True, of=Comment)
        )
    )


def drain_pending() -> None:
    """Decide pending comments batch by batch until none is left, then say so.

    While a run drains, posts find the "run queued" key set and send no task: this run
    takes them in its next batch. Only once the queue looks empty does it delete the key,
    and then, after the time a web process may trust a key it saw, it looks once more: a
    post that found the key before the deletion has committed by then, so that last look
    sees it (service/coalescing.py). After DRAIN_BATCHES the rest goes to a fresh run, so
    runs stay short (a killed worker loses little).
    """
    size = batch_size()
    linger = float(current_app.config["CLASSIFY_LINGER"])
    for _ in range(DRAIN_BATCHES):
        batch = pending_batch(size)
        if 0 < len(batch) < size and linger > 0:
            # A trickle: wait a moment so the next model call and commit serve more comments.
            db.session.rollback()
            time.sleep(linger)
            batch = pending_batch(size)
        if not batch:
            db.session.rollback()
            time.sleep(release_run())
            batch = pending_batch(size)
            if not batch:
                db.session.rollback()
                return
        decide_batch(batch)
    rest = first_pending()
    if rest is None:  # emptied by the last batch: say so, then look once more, as above
        time.sleep(release_run())
        rest = first_pending()
    if rest is not None:
        classify_comment.delay(rest)


def first_pending() -> int | None:
    rest = db.session.scalar(
        sa.select(Comment.id).where(Comment.status == CommentStatus.PENDING).limit(1)
    )
    db.session.rollback()
    return rest


def decide_batch(batch: list[Comment]) -> dict[int, Verdict]:
    """Score the batch in one model call and commit once; the verdicts of the comments
    this run decided (a concurrent run or a moderator may have decided some meanwhile)."""
    verdicts: dict[int, Verdict] = {}
    rows = []
    decided_at = utcnow()
    for member, (verdict, values) in zip(batch, classify_batch(batch), strict=True):
        verdicts[member.id] = verdict
        rows.append(
            {
                "member_id": member.id,
                "new_status": verdict.status,
                "new_reasons": verdict.reasons,
                "new_decided_at": decided_at,
                **{f"new_{name}": values.get(name) for name in SCORED_COLUMNS},
            }
        )
    # One executemany (pipelined by psycopg) instead of a round trip per comment. Only a
    # still-pending row changes; the batch's rows are locked (FOR UPDATE), so on
    # PostgreSQL all of them are. Where some were not, ask which rows carry this run's time.
    updated = db.session.execute(DECIDE_PENDING, rows).rowcount  # type: ignore[attr-defined]
    if updated != len(rows):
        ours = set(
            db.session.scalars(
                sa.select(Comment.id).where(
                    Comment.id.in_(verdicts), Comment.decided_at == decided_at
                )
            )
        )
        verdicts = {member_id: verdicts[member_id] for member_id in verdicts if member_id in ours}
    db.session.commit()
    for member_id, verdict in verdicts.items():
        record_verdict(verdict)
        log.info("comment %s %s", member_id, verdict.status.value)
        status_changed(member_id, verdict.status)
    return verdicts


SCORED_COLUMNS = ("spam_score", "medical_claim_score", "model_version")
_comments = Comment.__table__
#: One Core statement for every decision (the ORM's bulk UPDATE path cost 0.3 ms per row).
DECIDE_PENDING = (
    sa.update(_comments)
    .where(
        _comments.c.id == sa.bindparam("member_id"),
        _comments.c.status == CommentStatus.PENDING,
    )
    .values(
        status=sa.bindparam("new_status"),
        reasons=sa.bindparam("new_reasons"),
        decided_at=sa.bindparam("new_decided_at"),
        **{name: sa.bindparam(f"new_{name}") for name in SCORED_COLUMNS},
    )
)


def classify_batch(comments: list[Comment]) -> list[tuple[Verdict, dict[str, Any]]]:
    """One model call for the batch; a classifier that cannot run holds them all (fail closed).

    The policy's own inputs (mode, lists, the author's history) are read first, so blocked
    authors and words are rejected even without a model.
    """
    policy = load_policy()
    inputs = [policy_inputs(comment, policy) for comment in comments]
    try:
        began = time.perf_counter()
        classifier = active_classifier(Path(current_app.config["MODEL_STORE"]))
        all_scores = classifier.score(
            [comment.body for comment in comments], thresholds=configured_thresholds()
        )
        share = (time.perf_counter() - began) / len(comments)
        for _ in comments:  # one observation per comment: its share of the batch's time
            CLASSIFY_SECONDS.observe(share)
    except ModelUnavailable as error:
        log.error("classifier unavailable for %d comments: %s", len(comments), error)
        return [(decide(None, *policy), {}) for policy in inputs]
    except Exception:  # a bug in scoring must not leave the comments pending forever
        log.exception("classifier failed on comments %s", [comment.id for comment in comments])
        return [(decide(None, *policy), {}) for policy in inputs]
    return [
        (decide(scores, *policy), scored_values(scores, classifier.version))
        for policy, scores in zip(inputs, all_scores, strict=True)
    ]


def scored_values(scores: Scores, model_version: str) -> dict[str, Any]:
    """The figures stored with a decision: both probabilities and the model that gave them."""
    return {
        "spam_score": scores.spam.probability,
        "medical_claim_score": scores.medical_claim.probability,
        "model_version": model_version,
    }


def configured_thresholds() -> dict[str, float | None]:
    """Thresholds from config override the model's own when set."""
    return {
        "spam": current_app.config["SPAM_THRESHOLD"],
        "medical_claim": current_app.config["MEDICAL_CLAIM_THRESHOLD"],
    }


@shared_task(acks_late=True)
def sweep_pending() -> int:
    """Queue a run when comments were left `pending` too long (broker down at post time,
    a lost message); the run drains them all. Returns how many were stale."""
    cutoff = utcnow() - timedelta(seconds=float(current_app.config["PENDING_SWEEP_AGE"]))
    stale = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(
            Comment.status == CommentStatus.PENDING, Comment.created_at < cutoff
        )
    )
    oldest = db.session.scalar(
        sa.select(sa.func.min(Comment.id)).where(Comment.status == CommentStatus.PENDING)
    )
    db.session.rollback()
    if stale and oldest is not None:
        classify_comment.delay(oldest)
        log.info("%d comments were left pending; queued a run", stale)
    return int(stale or 0)
