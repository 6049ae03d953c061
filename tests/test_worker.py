"""The pipeline end to end with a real Celery worker: post, classify, publish or hold."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import skops.io
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sklearn.svm import LinearSVC

from models import LABELS
from models import persistence
from models.features import build_features
from service.db import Comment
from service.db import CommentStatus
from service.db import db
from service.db import utcnow
from tests.conftest import BROKERS
from tests.factories import make_comment
from tests.factories import payload

pytestmark = pytest.mark.worker

CLEAN = "Thank you, the article answered my questions about the first infusion."
SPAM = (
    "Buy ketamine online without prescription, discreet shipping worldwide. "
    "WhatsApp +1 555 0100 or visit https://cheap-k.example"
)
MEDICAL = (
    "Ketamine cured my depression forever. Stop taking your antidepressants, "
    "you won't need them anymore."
)


def post(client: FlaskClient, body: str) -> int:
    response = client.post("/api/v1/comments", json=payload(body=body))
    assert response.status_code == 202
    return int(response.get_json()["id"])


def wait_until_decided(app: Flask, ids: list[int], timeout: float = 30.0) -> dict[int, Comment]:
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            comments = {
                c.id: c for c in db.session.scalars(sa.select(Comment).where(Comment.id.in_(ids)))
            }
            db.session.expunge_all()
        if all(c.status is not CommentStatus.PENDING for c in comments.values()):
            return comments
        if time.monotonic() > deadline:
            pending = [i for i, c in comments.items() if c.status is CommentStatus.PENDING]
            raise AssertionError(f"comments still pending after {timeout}s: {pending}")
        time.sleep(0.05)


@pytest.mark.parametrize("broker", BROKERS, indirect=True)
def test_clean_comment_publishes_and_flagged_ones_are_held(
    app: Flask, client: FlaskClient, celery_worker: None, model_store: Path
) -> None:
    ids = [post(client, text) for text in (CLEAN, SPAM, MEDICAL)]
    clean, spam, medical = (wait_until_decided(app, ids)[i] for i in ids)
    active = persistence.active_version(model_store)

    assert clean.status is CommentStatus.PUBLISHED
    assert clean.reasons == []
    assert spam.status is CommentStatus.HELD
    assert re.match(
        r"spam (0\.9\d|1\.00): a link, phone number, messenger contact", spam.reasons[0]
    )
    assert medical.status is CommentStatus.HELD
    assert any(reason.startswith("medical claim") for reason in medical.reasons)
    assert "cure claim" in medical.reasons[0]
    for comment in (clean, spam, medical):
        assert comment.model_version == active
        assert comment.decided_at is not None
        assert 0.0 <= (comment.spam_score or -1) <= 1.0
        assert 0.0 <= (comment.medical_claim_score or -1) <= 1.0
    assert spam.spam_score is not None and spam.spam_score > 0.9
    assert clean.spam_score is not None and clean.spam_score < 0.5

    listed = client.get("/api/v1/comments", query_string={"thread": payload()["thread"]})
    assert [c["id"] for c in listed.get_json()["comments"]] == [clean.id]


def test_a_task_delivered_twice_decides_once(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    comment_id = post(client, CLEAN)
    first = wait_until_decided(app, [comment_id])[comment_id]
    app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[comment_id])
    marker = post(client, SPAM)  # the solo worker handles tasks in order
    wait_until_decided(app, [marker])
    again = wait_until_decided(app, [comment_id])[comment_id]
    assert (again.status, again.decided_at, again.reasons) == (
        first.status,
        first.decided_at,
        first.reasons,
    )


def test_worker_never_touches_a_comment_a_human_decided(app: Flask, celery_worker: None) -> None:
    with app.app_context():
        comment = make_comment(body=SPAM, status=CommentStatus.REJECTED, reasons=["by hand"])
        comment_id = comment.id
    app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[comment_id])
    with app.app_context():
        marker = make_comment(body=CLEAN, status=CommentStatus.PENDING).id
    app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[marker])
    wait_until_decided(app, [marker])
    with app.app_context():
        untouched = db.session.get(Comment, comment_id)
        assert untouched is not None
        assert untouched.status is CommentStatus.REJECTED
        assert untouched.reasons == ["by hand"]
        assert untouched.model_version is None


def test_sweeper_queues_a_run_when_comments_were_left_pending(
    app: Flask, celery_worker: None
) -> None:
    from worker.tasks import sweep_pending

    with app.app_context():
        fresh_id = make_comment(body=CLEAN, status=CommentStatus.PENDING).id
        assert sweep_pending() == 0  # nothing stale yet: no run queued
        old = make_comment(body=SPAM, status=CommentStatus.PENDING)
        old.created_at = utcnow().replace(year=2020)
        db.session.commit()
        old_id = old.id
    with app.app_context():
        time.sleep(0.5)
        assert db.session.get(Comment, fresh_id).status is CommentStatus.PENDING  # type: ignore[union-attr]
    app.extensions["celery"].send_task("worker.tasks.sweep_pending")
    decided = wait_until_decided(app, [old_id, fresh_id])  # the run drains every pending one
    assert decided[old_id].status is CommentStatus.HELD
    assert decided[fresh_id].status is CommentStatus.PUBLISHED


@pytest.fixture(params=["corrupt", "unfitted"])
def broken_model_app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    make_app: Callable[..., Flask],
    model_store: Path,
) -> Flask:
    """An app whose active model is a corrupt file, or loads but fails when scoring."""
    store = tmp_path / "broken-models"
    version = persistence.active_version(model_store)
    assert version is not None
    (store / version).mkdir(parents=True)
    meta = (model_store / version / persistence.METADATA_FILE).read_text()
    (store / version / persistence.METADATA_FILE).write_text(meta)
    model_file = store / version / persistence.MODEL_FILE
    if request.param == "corrupt":
        model_file.write_bytes(b"not a zip file")
    else:
        unfitted = {"features": build_features(), **{label: LinearSVC() for label in LABELS}}
        skops.io.dump(unfitted, model_file)
    persistence.activate(store, version)
    return make_app(store)


def test_unavailable_classifier_holds_instead_of_publishing(broken_model_app: Flask) -> None:
    from celery.contrib.testing.worker import start_worker

    app = broken_model_app
    client = app.test_client()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        comment_id = post(client, CLEAN)
        comment = wait_until_decided(app, [comment_id])[comment_id]
    assert comment.status is CommentStatus.HELD
    assert comment.reasons == ["classifier unavailable"]
    assert comment.model_version is None
