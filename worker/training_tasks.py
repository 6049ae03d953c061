"""Tasks of the model lifecycle, routed to the `training` queue so classification never waits.

- `retrain`: seed corpus + moderators' decisions -> candidate version, report, guarded promotion;
  progress goes to its `TrainingRun` row, which the admin page and `flask model retrain` poll.
- `rescore`: held and pending comments scored again by the active model; never a comment
  a human decided (a moderator's decision or readers' reports).
- `summarize_training_data`: the counts and conflicts the training data page shows.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from models.corpus import load_seed
from models.lifecycle import store_lock
from models.promotion import train_candidate
from models.retraining import Decision
from models.retraining import TrainingData
from models.retraining import assemble
from service.db import Comment
from service.db import CommentStatus
from service.db import ModelEvent
from service.db import ModerationDecision
from service.db import Report
from service.db import TrainingRun
from service.db import TrainingStatus
from service.db import db
from service.db import utcnow

from .model_cache import active_classifier
from .policy import decide
from .policy_data import load_policy
from .policy_data import policy_inputs
from .tasks import configured_thresholds

log = logging.getLogger(__name__)

SUMMARY_FILE = "training-data.json"
RESCORE_BATCH = 200
ERROR_LENGTH = 1000


def store() -> Path:
    return Path(current_app.config["MODEL_STORE"])


def read_decisions() -> list[Decision]:
    """Every moderator decision with the text it was about (the latest per comment counts)."""
    rows = db.session.execute(
        sa.select(
            ModerationDecision.comment_id,
            Comment.body,
            ModerationDecision.label,
            ModerationDecision.created_at,
            ModerationDecision.moderator,
        )
        .join(Comment, Comment.id == ModerationDecision.comment_id)
        .order_by(ModerationDecision.id)
    )
    return [
        Decision(comment_id, body, label.value, created_at, moderator)
        for comment_id, body, label, created_at, moderator in rows
    ]


def training_data() -> TrainingData:
    data = assemble(load_seed(), read_decisions())
    write_summary(store(), data.summary)
    return data


def write_summary(folder: Path, summary: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    draft = folder / f".{SUMMARY_FILE}.{os.getpid()}"
    draft.write_text(json.dumps({**summary, "computed_at": utcnow().isoformat()}, default=str))
    os.replace(draft, folder / SUMMARY_FILE)


def set_progress(run_id: int, **values: Any) -> None:
    db.session.execute(sa.update(TrainingRun).where(TrainingRun.id == run_id).values(**values))
    db.session.commit()


@shared_task(acks_late=False)
def retrain(run_id: int) -> str | None:
    """Train a candidate on seed + decisions; promote it if the guard passes.

    Not acknowledged late: a worker lost mid-training must not retrain again and again;
    its run stays "running" and a new one may start once it is stale
    (`STALE_RUN` in `service/admin/model_actions.py`).
    """
    started = db.session.execute(  # claim the run once, however often the message arrives
        sa.update(TrainingRun)
        .where(TrainingRun.id == run_id, TrainingRun.status == TrainingStatus.QUEUED)
        .values(status=TrainingStatus.RUNNING, started_at=utcnow(),
                step="waiting for the store", percent=1)
    )  # fmt: skip
    db.session.commit()
    if started.rowcount == 0:  # type: ignore[attr-defined]
        log.warning("training run %s missing or already started", run_id)
        return None
    run = db.session.get(TrainingRun, run_id)
    assert run is not None
    shown = {"percent": 1}

    def progress(step: str, fraction: float) -> None:
        percent = max(1, min(99, int(fraction * 100)))
        if percent != shown["percent"]:
            shown["percent"] = percent
            set_progress(run_id, step=step[:100], percent=percent)

    try:
        with store_lock(store()):
            progress("assembling training data", 0.02)
            data = training_data()
            outcome = train_candidate(
                store(),
                data,
                tolerance=float(current_app.config["MODEL_PROMOTION_TOLERANCE"]),
                progress=progress,
            )
    except Exception as error:  # the admin must see why, whatever it was
        db.session.rollback()
        log.exception("training run %s failed", run_id)
        message = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        set_progress(run_id, status=TrainingStatus.FAILED, finished_at=utcnow(),
                     step="failed", error=message)  # fmt: skip
        return None
    actor = run.requested_by
    guard = outcome.report["guard"]
    db.session.add(
        ModelEvent(
            actor=actor,
            action="trained",
            version=outcome.version,
            previous_version=outcome.previous,
            details={"run": run_id, "train": data.summary["train"], "guard": guard},
        )
    )
    db.session.add(
        ModelEvent(
            actor="guard",
            action="promoted" if outcome.promoted else "refused",
            version=outcome.version,
            previous_version=outcome.previous,
            reason=guard_reason(guard),
            details={"run": run_id},
        )
    )
    set_progress(run_id, status=TrainingStatus.SUCCEEDED, finished_at=utcnow(), step="done",
                 percent=100, version=outcome.version, promoted=outcome.promoted)  # fmt: skip
    return outcome.version


def guard_reason(guard: dict[str, Any]) -> str:
    failed = [c for c in guard.get("checks", []) if not c["ok"]]
    if not failed:
        return (
            guard.get("note") or f"not worse than the active model (tolerance {guard['tolerance']})"
        )
    return "; ".join(
        f"{c['label']} {c['metric']} {c['candidate']:.4f} < active {c['active']:.4f}"
        for c in failed
    )


@shared_task
def summarize_training_data() -> int:
    """Recount the training data for the admin page; returns the number of conflicts."""
    return int(training_data().summary["conflict_count"])


def decided_by_a_human() -> sa.ColumnElement[bool]:
    """A moderator's decision or a reader's report exists for the comment."""
    decision = sa.select(ModerationDecision.id).where(ModerationDecision.comment_id == Comment.id)
    report = sa.select(Report.id).where(Report.comment_id == Comment.id)
    return sa.or_(decision.exists(), report.exists())


@shared_task(acks_late=True)
def rescore(requested_by: str) -> dict[str, int]:
    """Score held and pending comments again with the active model and apply the policy.

    Each update is conditional on the status read and on no human having decided since,
    so a moderator's decision made meanwhile always wins.
    """
    classifier = active_classifier(store())
    counts = {"rescored": 0, "published": 0, "held": 0, "skipped": 0}
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(Comment)
            .where(
                Comment.status.in_([CommentStatus.HELD, CommentStatus.PENDING]),
                Comment.id > last_id,
                ~decided_by_a_human(),
            )
            .order_by(Comment.id)
            .limit(RESCORE_BATCH)
        ).all()
        if not batch:
            break
        last_id = batch[-1].id
        scored = classifier.score([row.body for row in batch], thresholds=configured_thresholds())
        policy = load_policy()  # the same policy as new comments, read once per batch
        for row, scores in zip(batch, scored, strict=True):
            verdict = decide(scores, *policy_inputs(row, policy))
            moved = db.session.execute(
                sa.update(Comment)
                .where(Comment.id == row.id, Comment.status == row.status, ~decided_by_a_human())
                .values(
                    status=verdict.status,
                    reasons=verdict.reasons,
                    decided_at=utcnow(),
                    spam_score=scores.spam.probability,
                    medical_claim_score=scores.medical_claim.probability,
                    model_version=classifier.version,
                )
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount == 0:  # type: ignore[attr-defined]
                counts["skipped"] += 1
                continue
            counts["rescored"] += 1
            counts[verdict.status.value] = counts.get(verdict.status.value, 0) + 1
        db.session.commit()
    db.session.add(
        ModelEvent(
            actor=requested_by, action="rescored", version=classifier.version, details=counts
        )
    )
    db.session.commit()
    log.info("re-scored with %s: %s", classifier.version, counts)
    return counts
