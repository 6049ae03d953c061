"""What an admin does to models, shared by the pages and `flask model`: each change is audited.

Training and re-scoring are sent by name to the worker's `training` queue; activation
only moves the ACTIVE pointer, which every worker checks before each task.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from celery import Celery
from flask import current_app

from .. import model_store
from ..db import ModelEvent
from ..db import TrainingRun
from ..db import TrainingStatus
from ..db import db
from ..db import utcnow

RETRAIN_TASK = "worker.training_tasks.retrain"
RESCORE_TASK = "worker.training_tasks.rescore"
SUMMARY_TASK = "worker.training_tasks.summarize_training_data"
#: A run queued or running longer than this is presumed lost (its worker died).
STALE_RUN = timedelta(hours=2)
REASON_LENGTH = 1000


class Refused(Exception):
    """The action cannot be done now; the message says why."""


def send(task: str, *args: object) -> None:
    celery_app: Celery = current_app.extensions["celery"]
    celery_app.send_task(task, args=list(args))


def unfinished_run() -> TrainingRun | None:
    return db.session.scalar(
        sa.select(TrainingRun)
        .where(
            TrainingRun.status.in_([TrainingStatus.QUEUED, TrainingStatus.RUNNING]),
            TrainingRun.created_at > utcnow() - STALE_RUN,
        )
        .order_by(TrainingRun.id.desc())
        .limit(1)
    )


def request_retrain(actor: str) -> TrainingRun:
    """Queue a retrain (one at a time).

    :raise Refused: a run is already queued or running.
    """
    running = unfinished_run()
    if running is not None:
        raise Refused(f"training run {running.id} is already {running.status.value}")
    run = TrainingRun(requested_by=actor, step="queued", percent=0)
    db.session.add(run)
    db.session.commit()
    send(RETRAIN_TASK, run.id)
    return run


def request_rescore(actor: str) -> None:
    send(RESCORE_TASK, actor)
    db.session.add(
        ModelEvent(actor=actor, action="rescore requested", version=model_store.active_version())
    )
    db.session.commit()


def guard_passed(version: model_store.Version) -> bool:
    """Whether the promotion guard accepted this version (versions without a report pass)."""
    guard = (version.report or {}).get("guard")
    return not guard or bool(guard.get("passed"))


def activate(version_id: str, actor: str, reason: str = "") -> str | None:
    """Make a version active (a rollback, or a promotion past the guard with a reason).

    :raise Refused: unknown version, no reason for an override, or an incompatible model.
    """
    reason = reason.strip()[:REASON_LENGTH]
    try:
        version = model_store.get_version(version_id)
    except model_store.UnknownVersion as error:
        raise Refused(f"no saved model version {version_id!r}") from error
    override = not guard_passed(version)
    if override and not reason:
        raise Refused(
            f"{version_id} was refused by the promotion guard: give a written reason to override"
        )
    try:
        previous = model_store.set_active(version_id)
    except ValueError as error:
        raise Refused(str(error)) from error
    db.session.add(
        ModelEvent(
            actor=actor,
            action="override" if override else "activated",
            version=version_id,
            previous_version=previous,
            reason=reason or None,
        )
    )
    db.session.commit()
    return previous
