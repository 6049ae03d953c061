"""A classify run drains the pending comments in batches, each decided once; with Redis,
posts that land while a run is queued send no task of their own."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from service import coalescing
from service.db import Comment
from service.db import CommentStatus
from service.db import db
from service.db import utcnow
from tests.conftest import REDIS_URL
from tests.factories import make_comment
from tests.test_worker import CLEAN
from tests.test_worker import SPAM
from tests.test_worker import post
from tests.test_worker import wait_until_decided
from worker.tasks import decide_batch

pytestmark = pytest.mark.worker


def test_one_run_decides_every_pending_comment(app: Flask, celery_worker: None) -> None:
    with app.app_context():
        batch = [make_comment(body=body, status=CommentStatus.PENDING) for body in (CLEAN, SPAM)]
        old = make_comment(body=CLEAN, status=CommentStatus.PENDING)
        old.created_at = utcnow().replace(year=2020)
        held_by_hand = make_comment(body=CLEAN, status=CommentStatus.HELD, reasons=["by hand"])
        db.session.commit()
        ids = [comment.id for comment in batch] + [old.id]
        held_id = held_by_hand.id
    # Only the first comment's task is sent: the run drains the others.
    app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[ids[0]])
    decided = wait_until_decided(app, ids)
    assert [decided[i].status for i in ids] == [
        CommentStatus.PUBLISHED,
        CommentStatus.HELD,
        CommentStatus.PUBLISHED,
    ]
    assert all(decided[i].model_version for i in ids)
    with app.app_context():
        held = db.session.get(Comment, held_id)
        assert held is not None and held.reasons == ["by hand"]  # a human's decision stays


def test_a_long_drain_hands_over_to_a_new_run(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One comment per batch and two batches per run: the own comment and two more, then
    a fresh run for the last two."""
    from celery.contrib.testing.worker import start_worker

    import worker.tasks

    monkeypatch.setattr(worker.tasks, "DRAIN_BATCHES", 2)
    app = make_app(CLASSIFY_BATCH=1)
    with app.app_context():
        ids = [make_comment(body=CLEAN, status=CommentStatus.PENDING).id for _ in range(5)]
    task = worker.tasks.classify_comment
    handovers: list[int] = []
    real_delay = task.delay
    monkeypatch.setattr(task, "delay", lambda *args: handovers.append(args[0]) or real_delay(*args))
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        app.extensions["celery"].send_task("worker.tasks.classify_comment", args=[ids[0]])
        decided = wait_until_decided(app, ids)
    assert {comment.status for comment in decided.values()} == {CommentStatus.PUBLISHED}
    assert handovers == [ids[3]]


@pytest.mark.skipif(not REDIS_URL, reason="coalescing needs Redis")
def test_posts_while_a_run_is_queued_or_running_send_no_task_of_their_own(
    make_app: Callable[..., Flask],
) -> None:
    from celery.contrib.testing.worker import start_worker

    app = make_app(CLASSIFY_COALESCE_URL=REDIS_URL)
    client = app.test_client()
    celery_app = app.extensions["celery"]
    sent: list[str] = []
    real_send = celery_app.send_task
    celery_app.send_task = lambda name, **kw: sent.append(name) or real_send(name, **kw)
    ids = [post(client, f"{CLEAN} Number {i}.") for i in range(5)]
    assert sent == ["worker.tasks.classify_comment"]  # the first post queued the run
    with start_worker(celery_app, pool="solo", perform_ping_check=False):
        decided = wait_until_decided(app, ids)
        assert {comment.status for comment in decided.values()} == {CommentStatus.PUBLISHED}
        wait_for_no_queued_run(app)  # the run found nothing more and said so
        late = post(client, f"{CLEAN} Posted after the run ended.")
        assert wait_until_decided(app, [late])[late].status is CommentStatus.PUBLISHED
    assert sent == ["worker.tasks.classify_comment"] * 2


@pytest.mark.skipif(not REDIS_URL, reason="coalescing needs Redis")
def test_a_post_that_trusted_the_key_after_the_run_deleted_it_is_still_decided(
    make_app: Callable[..., Flask],
) -> None:
    """The web process trusts a key it saw set for CLASSIFY_COALESCE_TRUST seconds; a post
    in that window after the run deleted the key sends nothing, asks Redis nothing, and the
    run's last look, made only after that window, decides it."""
    from celery.contrib.testing.worker import start_worker

    trust = 3.0
    app = make_app(CLASSIFY_COALESCE_URL=REDIS_URL, CLASSIFY_COALESCE_TRUST=trust,
                   CLASSIFY_LINGER=0)  # fmt: skip
    client = app.test_client()
    celery_app = app.extensions["celery"]
    sent: list[str] = []
    real_send = celery_app.send_task
    celery_app.send_task = lambda name, **kw: sent.append(name) or real_send(name, **kw)
    first = post(client, f"{CLEAN} The first.")
    trusted_until = time.monotonic() + trust
    with start_worker(celery_app, pool="solo", perform_ping_check=False):
        wait_until_decided(app, [first])
        wait_for_no_queued_run(app)  # deleted: the run now waits before its last look
        assert time.monotonic() < trusted_until - 0.5, "too slow to post inside the window"
        real_client = app.extensions["coalescing_redis"]
        app.extensions["coalescing_redis"] = RecordingRedis(real_client)
        late = post(client, f"{CLEAN} Trusted a key that is gone.")
        asked = app.extensions["coalescing_redis"].calls
        app.extensions["coalescing_redis"] = real_client
        assert asked == [] and sent == ["worker.tasks.classify_comment"]
        assert wait_until_decided(app, [late])[late].status is CommentStatus.PUBLISHED
        app.config["CLASSIFY_COALESCE_TRUST"] = 0.0  # the run's next release ends at once
    assert sent == ["worker.tasks.classify_comment"]


class RecordingRedis:
    """A Redis client that notes each command it passes on."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.calls.append(name)
        return getattr(self.client, name)


def test_without_redis_every_post_sends_its_task(make_app: Callable[..., Flask]) -> None:
    app = make_app(CLASSIFY_COALESCE_URL=None)
    celery_app = app.extensions["celery"]
    sent: list[str] = []
    celery_app.send_task = lambda name, **kw: sent.append(name)
    client = app.test_client()
    for i in range(3):
        post(client, f"{CLEAN} Number {i}.")
    assert sent == ["worker.tasks.classify_comment"] * 3


def wait_for_no_queued_run(app: Flask, timeout: float = 10.0) -> None:
    assert REDIS_URL is not None
    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    with app.app_context():
        while client.exists(coalescing.run_key()):
            assert time.monotonic() < deadline, "the run never cleared its key"
            time.sleep(0.05)
    client.close()


def test_a_decision_made_meanwhile_is_kept_and_not_reported(app: Flask) -> None:
    """A moderator who decides a comment after the run read its batch wins: the run's
    UPDATE leaves that row alone, and reports only the comments it decided itself."""
    with app.app_context():
        batch = [make_comment(body=body, status=CommentStatus.PENDING) for body in (CLEAN, SPAM)]
        db.session.commit()
        db.session.execute(
            sa.update(Comment)
            .where(Comment.id == batch[0].id)
            .values(status=CommentStatus.REJECTED, reasons=["by hand"], decided_at=utcnow())
        )
        decided = decide_batch(batch)
        assert set(decided) == {batch[1].id}
        db.session.expire_all()
        first, second = (db.session.get(Comment, comment.id) for comment in batch)
        assert first is not None and first.status is CommentStatus.REJECTED
        assert first.reasons == ["by hand"]
        assert second is not None and second.status is CommentStatus.HELD
