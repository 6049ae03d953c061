"""A classify task scores the pending comments of a short window together, each decided once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from service.db import Comment
from service.db import CommentStatus
from service.db import db
from service.db import utcnow
from tests.factories import make_comment
from tests.test_worker import CLEAN
from tests.test_worker import SPAM
from tests.test_worker import wait_until_decided

pytestmark = pytest.mark.worker


def test_one_task_decides_the_pending_comments_of_its_window(
    app: Flask, celery_worker: None
) -> None:
    with app.app_context():
        window = [make_comment(body=body, status=CommentStatus.PENDING) for body in (CLEAN, SPAM)]
        window_ids = [comment.id for comment in window]
        old = make_comment(body=CLEAN, status=CommentStatus.PENDING)
        old.created_at = utcnow().replace(year=2020)
        held_by_hand = make_comment(body=CLEAN, status=CommentStatus.HELD, reasons=["by hand"])
        db.session.commit()
        old_id, held_id = old.id, held_by_hand.id
    # Only the first comment's task is sent: its neighbour is decided in the same batch.
    app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[window_ids[0]])
    decided = wait_until_decided(app, window_ids)
    assert [decided[i].status for i in window_ids] == [
        CommentStatus.PUBLISHED,
        CommentStatus.HELD,
    ]
    assert all(decided[i].model_version for i in window_ids)
    with app.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(Comment.id, Comment.status).where(Comment.id.in_([old_id, held_id]))
            ).all()
        )
    # Outside the window it waits for its own task; a human's decision is never touched.
    assert statuses == {old_id: CommentStatus.PENDING, held_id: CommentStatus.HELD}


def test_batching_off_decides_only_the_tasks_comment(make_app: Callable[..., Flask]) -> None:
    from celery.contrib.testing.worker import start_worker

    app = make_app(CLASSIFY_BATCH=1)
    with app.app_context():
        first, second = (make_comment(body=CLEAN, status=CommentStatus.PENDING).id for _ in "ab")
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[first])
        assert wait_until_decided(app, [first])[first].status is CommentStatus.PUBLISHED
    with app.app_context():
        assert db.session.get(Comment, second).status is CommentStatus.PENDING  # type: ignore[union-attr]
