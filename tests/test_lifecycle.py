"""The model lifecycle with a real worker: retrain, guard, promote, roll back, re-score."""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import worker.training_tasks  # noqa: F401  (registers the training tasks on every app)
from models import persistence
from models.corpus import Example
from models.corpus import load_seed
from models.promotion import train_candidate
from models.retraining import assemble
from service.db import Comment
from service.db import CommentStatus
from service.db import ModelEvent
from service.db import ModerationDecision
from service.db import Report
from service.db import ReportReason
from service.db import TrainingRun
from service.db import db
from service.moderation.decisions import decide
from tests.factories import csrf_token
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import payload
from tests.factories import reload_comment
from tests.factories import sign_in

OPENERS = ["Great read.", "Thanks for this.", "Interesting point.", "My cousin agrees.", "Nice!"]
ENDINGS = ["Ask me how.", "Spots are limited.", "Do not miss it.", "Changed my life.", "Join us."]
#: A spam campaign the seed model has never seen: no link, no phone, no drug name.
FRESH_PHRASE = (
    "Thanks for this. The Velmora Circle folks send their regards from the Velmora Circle lounge."
)


def phrase_text(i: int) -> str:
    return (
        f"{OPENERS[i % 5]} The Velmora Circle folks send their regards from the Velmora Circle "
        "lounge. "
        f"{ENDINGS[(i // 5) % 5]} ({i})"
    )


@pytest.fixture
def store(model_store: Path, tmp_path: Path) -> Path:
    """A private copy of the session's trained store: activations here touch no other test."""
    copy = tmp_path / "models"
    shutil.copytree(model_store, copy, ignore=shutil.ignore_patterns(".lock", "*.png", "*.json.*"))
    return copy


def clone_version(store: Path, version: str) -> str:
    """Another version id holding the same model (cheap: no training)."""
    twin = version[:-8] + "0badc0de"
    shutil.copytree(store / version, store / twin)
    metadata = json.loads((store / twin / "metadata.json").read_text())
    metadata["id"] = twin
    (store / twin / "metadata.json").write_text(json.dumps(metadata))
    return twin


_threads = iter(range(10**6))


def classify(app: Flask, body: str, timeout: float = 60.0) -> Comment:
    """Post a comment through the API (a new thread each time: no duplicate) and wait."""
    thread = f"/blog/lifecycle-{next(_threads)}"
    response = app.test_client().post("/api/v1/comments", json=payload(body=body, thread=thread))
    assert response.status_code == 202
    comment_id = int(response.get_json()["id"])
    deadline = time.monotonic() + timeout
    while True:
        comment = reload_comment(app, comment_id)
        if comment.status is not CommentStatus.PENDING:
            return comment
        assert time.monotonic() < deadline, f"comment {comment_id} still pending"
        time.sleep(0.05)


def sign_in_admin(app: Flask) -> FlaskClient:
    with app.app_context():
        make_staff("admin@clinic.example", role="admin")
    client = app.test_client()
    assert sign_in(client, "admin@clinic.example").status_code == 302
    return client


@pytest.mark.worker
def test_a_running_worker_follows_the_active_version(
    make_app: Callable[..., Flask], store: Path
) -> None:
    from celery.contrib.testing.worker import start_worker

    first = persistence.active_version(store)
    assert first is not None
    second = clone_version(store, first)
    app = make_app(store)
    runner = app.test_cli_runner()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        assert classify(app, "Thank you for the clear article.").model_version == first
        result = runner.invoke(args=["model", "activate", second])
        assert result.exit_code == 0, result.output
        assert classify(app, "Very helpful, thanks again.").model_version == second
        assert runner.invoke(args=["model", "activate", first]).exit_code == 0
        assert classify(app, "Clear and kind, thank you.").model_version == first
    listed = runner.invoke(args=["model", "versions"]).output
    assert f"* {first}" in listed and f"  {second}" in listed
    with app.app_context():
        events = db.session.scalars(sa.select(ModelEvent).order_by(ModelEvent.id)).all()
        assert [(e.action, e.version, e.previous_version) for e in events] == [
            ("activated", second, first),
            ("activated", first, second),
        ]


@pytest.mark.worker
@pytest.mark.slow
def test_retrain_on_moderators_decisions_catches_a_new_spam_phrase_and_rollback_restores(
    make_app: Callable[..., Flask], store: Path
) -> None:
    from celery.contrib.testing.worker import start_worker

    seed_version = persistence.active_version(store)
    app = make_app(store)
    runner = app.test_cli_runner()
    with app.app_context():
        ids = [make_comment(body=phrase_text(i), status=CommentStatus.HELD).id for i in range(20)]
        for comment_id in ids:
            decide(comment_id, "spam", CommentStatus.HELD, "mod@clinic.example", None)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        before = classify(app, FRESH_PHRASE)
        assert before.status is CommentStatus.PUBLISHED
        assert before.model_version == seed_version

        result = runner.invoke(args=["model", "retrain", "--actor", "admin@clinic.example"])
        assert result.exit_code == 0, result.output
        new_version = persistence.active_version(store)
        assert new_version != seed_version
        assert f"{new_version} promoted" in result.output

        after = classify(app, FRESH_PHRASE)
        assert after.status is CommentStatus.HELD
        assert after.model_version == new_version
        assert after.reasons[0].startswith("spam")

        assert runner.invoke(args=["model", "activate", str(seed_version)]).exit_code == 0
        rolled_back = classify(app, FRESH_PHRASE)
        assert rolled_back.status is CommentStatus.PUBLISHED
        assert rolled_back.model_version == seed_version

    report = json.loads((store / str(new_version) / "report.json").read_text())
    assert report["compared_with"]["version"] == seed_version
    assert report["guard"]["passed"] is True
    assert report["data"]["decisions_used"] == 20
    assert report["data"]["decisions_held_out"] == 4
    assert len(report["table"]["spam"]) == 101
    assert (store / str(new_version) / "pr.png").read_bytes()[:4] == b"\x89PNG"
    with app.app_context():
        run = db.session.scalars(sa.select(TrainingRun)).one()
        assert (run.status.value, run.percent, run.version, run.promoted) == (
            "succeeded", 100, new_version, True,
        )  # fmt: skip
        actions = [e.action for e in db.session.scalars(sa.select(ModelEvent).order_by("id"))]
        assert actions == ["trained", "promoted", "activated"]


def shuffled(examples: list[Example], seed: int = 7) -> list[Example]:
    """The same texts with their label pairs dealt out at random: a deliberately worse model."""
    labels = [(e.spam, e.medical_claim) for e in examples]
    random.Random(seed).shuffle(labels)
    return [
        Example(e.text, spam, claim, e.lang, e.group, e.source)
        for e, (spam, claim) in zip(examples, labels, strict=True)
    ]


def test_the_guard_refuses_a_worse_model_and_an_admin_can_override_with_a_reason(
    make_app: Callable[..., Flask], store: Path
) -> None:
    active = persistence.active_version(store)
    data = assemble(load_seed(), [])
    data.train = shuffled(data.train)
    outcome = train_candidate(store, data)
    assert not outcome.promoted
    assert outcome.report["guard"]["passed"] is False
    assert persistence.active_version(store) == active

    app = make_app(store)
    client = sign_in_admin(app)
    listing = client.get("/admin/models/").get_data(as_text=True)
    assert "refused" in listing and outcome.version in listing
    page = client.get(f"/admin/models/{outcome.version}/").get_data(as_text=True)
    assert "Promotion guard: refused" in page and "WORSE" in page
    token = csrf_token(client, "/admin/models/")
    refused = client.post(
        f"/admin/models/{outcome.version}/activate",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "give a written reason" in refused.get_data(as_text=True)
    assert persistence.active_version(store) == active

    client.post(
        f"/admin/models/{outcome.version}/activate",
        data={"csrf_token": token, "reason": "testing the override"},
    )
    assert persistence.active_version(store) == outcome.version
    with app.app_context():
        event = db.session.scalars(sa.select(ModelEvent)).one()
        assert (event.action, event.actor, event.reason, event.previous_version) == (
            "override", "admin@clinic.example", "testing the override", active,
        )  # fmt: skip
    events = client.get("/admin/models/events").get_data(as_text=True)
    assert "override" in events and "testing the override" in events


@pytest.mark.worker
def test_rescore_never_touches_what_a_human_decided(
    make_app: Callable[..., Flask], store: Path
) -> None:
    from celery.contrib.testing.worker import start_worker

    app = make_app(store)
    clean = "Thank you, the article answered my questions about the first infusion."
    with app.app_context():
        held_by_model = make_comment(body=clean, status=CommentStatus.HELD, spam_score=0.99)
        pending = make_comment(body=clean + " Really.", status=CommentStatus.PENDING)
        reported = make_comment(body=clean + " Again.", status=CommentStatus.HELD, reasons=["r"])
        db.session.add(Report(comment_id=reported.id, ip_hash="1" * 32, reason=ReportReason.SPAM))
        approved = make_comment(body=clean + " Yes.", status=CommentStatus.HELD, spam_score=0.9)
        rejected = make_comment(body=clean + " No.", status=CommentStatus.HELD, spam_score=0.9)
        db.session.commit()
        decide(approved.id, "approve", CommentStatus.HELD, "mod@clinic.example", None)
        decide(rejected.id, "other", CommentStatus.HELD, "mod@clinic.example", "off topic")
        human = {c: reload_comment(app, c) for c in (reported.id, approved.id, rejected.id)}
        ids = (held_by_model.id, pending.id)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        app.extensions["celery"].send_task("worker.training_tasks.rescore", args=["admin@x"])
        deadline = time.monotonic() + 60
        while True:
            with app.app_context():
                event = db.session.scalar(
                    sa.select(ModelEvent).where(ModelEvent.action == "rescored")
                )
            if event is not None:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert event.details == {"rescored": 2, "published": 2, "held": 0, "skipped": 0}
    active = persistence.active_version(store)
    for comment_id in ids:
        comment = reload_comment(app, comment_id)
        assert (comment.status, comment.model_version) == (CommentStatus.PUBLISHED, active)
        assert comment.spam_score is not None and comment.spam_score < 0.5
    for comment_id, before in human.items():
        after = reload_comment(app, comment_id)
        assert (after.status, after.spam_score, after.reasons, after.decided_at) == (
            before.status, before.spam_score, before.reasons, before.decided_at,
        )  # fmt: skip
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 2
