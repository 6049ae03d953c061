"""`flask model versions`, `flask model activate VERSION`, `flask model retrain` (with progress)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from .. import model_store
from ..db import TrainingRun
from ..db import db
from . import bp
from .model_actions import Refused
from .model_actions import activate
from .model_actions import guard_passed
from .model_actions import request_retrain

POLL_SECONDS = 0.5
CLI_ACTOR = "cli"

model = AppGroup("model", help="Model versions: list, activate (roll back), retrain.")
bp.cli.add_command(model)


@model.command("versions")
def versions() -> None:
    """List saved versions, newest first (* = active) with their F1 per label."""
    active = model_store.active_version()
    for version in model_store.all_versions():
        metrics = (version.report or {}).get("metrics") or version.metadata.get("metrics") or {}
        f1 = " ".join(
            f"{label} F1 {metrics[label]['f1']:.3f}" for label in ("spam", "medical_claim")
            if label in metrics
        )  # fmt: skip
        refused = "" if guard_passed(version) else " (refused by the guard)"
        click.echo(f"{'*' if version.id == active else ' '} {version.id}  {f1}{refused}")


@model.command("activate")
@click.argument("version")
@click.option("--reason", default="", help="required to promote a version the guard refused")
@click.option("--actor", default=CLI_ACTOR, help="who is doing this, for the audit log")
def activate_command(version: str, reason: str, actor: str) -> None:
    """Make VERSION the active model (workers switch before their next task)."""
    try:
        previous = activate(version, actor, reason)
    except Refused as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{version} is active (was {previous or 'none'})")


@model.command("retrain")
@click.option("--actor", default=CLI_ACTOR, help="who is asking, for the audit log")
@click.option("--wait/--no-wait", default=True, help="follow the run's progress until it ends")
@click.option("--timeout", default=3600.0, help="seconds to wait for the run")
def retrain(actor: str, wait: bool, timeout: float) -> None:
    """Queue a retrain on the worker's `training` queue and show its progress."""
    try:
        run = request_retrain(actor)
    except Refused as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"training run {run.id} queued", err=True)
    if not wait:
        return
    run_id = run.id
    deadline = time.monotonic() + timeout
    shown = 0
    with click.progressbar(length=100, label="training", show_pos=True) as bar:
        while True:
            db.session.expire_all()
            current = db.session.get(TrainingRun, run_id)
            assert current is not None
            queued = current.status.value == "queued"
            bar.label = (
                "queued: waiting for a worker on the training queue"
                if queued
                else current.step[:40]
            )
            bar.update(current.percent - shown)
            shown = current.percent
            if current.finished_at is not None:
                break
            if time.monotonic() > deadline:
                raise click.ClickException(f"run {run_id} still {current.status.value}")
            db.session.commit()  # end the read transaction so the next poll sees new rows
            time.sleep(POLL_SECONDS)
    if current.error:
        raise click.ClickException(f"run {run_id} failed: {current.error}")
    outcome = "promoted" if current.promoted else "kept as a candidate (the guard refused it)"
    click.echo(f"{current.version} {outcome}")
