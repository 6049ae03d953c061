"""Model pages: versions and reports, threshold explorer, retrain with progress, rollback,
re-score, the training data, the model audit log, and the comments worth labeling next.

Everything shown was computed by the worker (reports, images, data summary); these views
only read files and rows, so the web process never needs scikit-learn.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import model_store
from ..auth import role_required
from ..db import Comment
from ..db import Label
from ..db import ModelEvent
from ..db import ModerationDecision
from ..db import Role
from ..db import TrainingRun
from ..db import db
from . import bp
from .model_actions import SUMMARY_TASK
from .model_actions import Refused
from .model_actions import activate
from .model_actions import guard_passed
from .model_actions import request_rescore
from .model_actions import request_retrain
from .model_actions import send
from .model_actions import unfinished_run

LABELS = ("spam", "medical_claim")
EVENTS_SHOWN = 200
NEWEST_DECISIONS = 20


@bp.get("/models/")
@role_required(Role.ADMIN)
def models() -> str:
    run_id = request.args.get("run", type=int)
    run = db.session.get(TrainingRun, run_id) if run_id else unfinished_run()
    return render_template(
        "admin/models.html",
        versions=model_store.all_versions(),
        active=model_store.active_version(),
        run=run,
        runs=db.session.scalars(sa.select(TrainingRun).order_by(TrainingRun.id.desc()).limit(5)),
        guard_passed=guard_passed,
        installed=model_store.installed_scikit_learn(),
    )


@bp.post("/models/retrain")
@role_required(Role.ADMIN)
def retrain() -> Response:
    try:
        run = request_retrain(current_user.email)
    except Refused as error:
        flash(str(error), "error")
        return redirect(url_for("admin.models"))
    flash(f"Training run {run.id} queued.", "info")
    return redirect(url_for("admin.models", run=run.id))


@bp.get("/models/runs/<run_id>")
@role_required(Role.ADMIN)
def training_run(run_id: str) -> Response:
    """Progress of a run, polled by static/models.js and `flask model retrain`."""
    if not run_id.isdigit():  # a string rule: an int converter would 404 before the login check
        abort(404)
    run = db.get_or_404(TrainingRun, int(run_id))
    return jsonify(run_as_dict(run))


def run_as_dict(run: TrainingRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status.value,
        "step": run.step,
        "percent": run.percent,
        "version": run.version,
        "promoted": run.promoted,
        "error": run.error,
        "finished": run.finished_at is not None,
    }


@bp.get("/models/<version>/")
@role_required(Role.ADMIN)
def model_report(version: str) -> str:
    try:
        chosen = model_store.get_version(version)
    except model_store.UnknownVersion:
        abort(404)
    report = chosen.report or {}
    thresholds = report.get("thresholds") or chosen.metadata.get("thresholds", {})
    explored = {}
    for label in LABELS:
        value = request.args.get(label, type=float)
        if value is None or not 0 <= value <= 1:
            value = float(thresholds.get(label, 0.5))
        explored[label] = nearest_row(report.get("table", {}).get(label, []), value)
    return render_template(
        "admin/model_report.html",
        version=chosen,
        report=report,
        active=model_store.active_version(),
        thresholds=thresholds,
        explored=explored,
        labels=LABELS,
        guard_passed=guard_passed(chosen),
    )


def nearest_row(table: list[dict[str, float]], threshold: float) -> dict[str, float] | None:
    if not table:
        return None
    return min(table, key=lambda row: abs(row["threshold"] - threshold))


@bp.get("/models/<version>/<name>")
@role_required(Role.ADMIN)
def model_image(version: str, name: str) -> Response:
    try:
        path = model_store.image_path(version, name)
    except model_store.UnknownVersion:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)


@bp.post("/models/<version>/activate")
@role_required(Role.ADMIN)
def activate_version(version: str) -> Response:
    try:
        previous = activate(version, current_user.email, request.form.get("reason", ""))
    except Refused as error:
        flash(str(error), "error")
        return redirect(url_for("admin.models"))
    flash(f"{version} is now active (was {previous or 'none'}).", "info")
    return redirect(url_for("admin.models"))


@bp.post("/models/rescore")
@role_required(Role.ADMIN)
def rescore() -> Response:
    request_rescore(current_user.email)
    flash("Re-scoring held and pending comments with the active model.", "info")
    return redirect(url_for("admin.model_events"))


@bp.get("/models/events")
@role_required(Role.ADMIN)
def model_events() -> str:
    events = db.session.scalars(
        sa.select(ModelEvent).order_by(ModelEvent.id.desc()).limit(EVENTS_SHOWN)
    )
    return render_template("admin/model_events.html", events=events)


@bp.get("/models/training-data")
@role_required(Role.ADMIN)
def training_data() -> str:
    rows = db.session.execute(
        sa.select(ModerationDecision.label, sa.func.count(ModerationDecision.id)).group_by(
            ModerationDecision.label
        )
    )
    by_label: dict[Label, int] = {label: count for label, count in rows}
    newest = db.session.execute(
        sa.select(ModerationDecision, Comment.body)
        .join(Comment, Comment.id == ModerationDecision.comment_id)
        .order_by(ModerationDecision.id.desc())
        .limit(NEWEST_DECISIONS)
    ).all()
    return render_template(
        "admin/training_data.html",
        decision_counts={label.value: by_label.get(label, 0) for label in Label},
        newest=newest,
        summary=model_store.read_training_summary(),
    )


@bp.post("/models/training-data/refresh")
@role_required(Role.ADMIN)
def refresh_training_data() -> Response:
    send(SUMMARY_TASK)
    flash("Recounting the training data; reload in a few seconds.", "info")
    return redirect(url_for("admin.training_data"))
