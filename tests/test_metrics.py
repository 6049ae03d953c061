"""Prometheus metrics, scraped from the web app's /metrics and the worker's exporter after
real posts, real classification and a real moderator decision."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

import worker.metrics
import worker.signals  # noqa: F401  (connects the exporter to worker start and shutdown)
import worker.tasks  # noqa: F401  (registers the tasks)
from service.db import CommentStatus
from service.db import utcnow
from service.moderation.decisions import decide
from tests.conftest import BROKERS
from tests.factories import make_comment
from tests.factories import payload
from tests.test_worker import CLEAN
from tests.test_worker import SPAM
from tests.test_worker import post
from tests.test_worker import wait_until_decided

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return parse(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def active_version(store: Path) -> str:
    return (store / "ACTIVE").read_text().strip()


@pytest.mark.worker
def test_web_metrics_count_posts_verdicts_and_decisions(
    app: Flask, client: FlaskClient, celery_worker: None, model_store: Path
) -> None:
    before = scrape(client)
    clean, spam = post(client, CLEAN), post(client, SPAM)
    bot = client.post("/api/v1/comments", json=payload(homepage="https://bot.example"))
    assert bot.status_code == 202
    decided = wait_until_decided(app, [clean, spam])
    assert decided[clean].status is CommentStatus.PUBLISHED
    assert decided[spam].status is CommentStatus.HELD
    with app.app_context():
        decide(spam, "spam", CommentStatus.HELD, "mod@clinic.example", None)

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("comments_posted_total") == 3
    assert grew("comments_published_total") == 1
    assert grew("comments_held_total", reason="spam") == 1
    assert grew("comments_rejected_total", reason="honeypot") == 1
    assert grew("comment_classify_seconds_count") == 2
    assert grew("comment_classify_seconds_sum") > 0
    decisions = value(after, "moderation_decisions_total", moderator="mod@clinic.example",
                      action="reject")  # fmt: skip
    assert decisions == 1
    assert value(after, "model_active_info", version=active_version(model_store)) == 1
    assert value(after, "comments_pending_stale") == 0


@pytest.mark.parametrize("broker", BROKERS, indirect=True)
def test_queue_depth_and_stale_pending_are_read_at_scrape_time(
    make_app: Callable[..., Flask],
) -> None:
    """No worker runs: what is posted waits in this test's own queue (one task per post)."""
    app = make_app(CLASSIFY_COALESCE_URL=None)
    client = app.test_client()
    queue = app.config["CELERY"]["task_default_queue"]
    assert value(scrape(client), "celery_queue_length", queue=queue) == 0
    post(client, CLEAN)
    post(client, SPAM)
    with app.app_context():
        make_comment(status=CommentStatus.PENDING, created_at=utcnow() - timedelta(minutes=2))
        make_comment(status=CommentStatus.PENDING)  # pending, but not for long yet
    samples = scrape(client)
    assert value(samples, "celery_queue_length", queue=queue) == 2
    assert value(samples, "comments_pending_stale") == 1


def test_metrics_token_is_required_when_set(make_app: Callable[..., Flask]) -> None:
    client = make_app(METRICS_TOKEN="scrape-secret").test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert right.status_code == 200
    assert "comments_posted_total" in right.get_data(as_text=True)


@pytest.mark.worker
def test_worker_exports_its_metrics_on_its_own_port(make_app: Callable[..., Flask]) -> None:
    app = make_app(WORKER_METRICS_PORT=0)  # 0: any free port
    client = app.test_client()
    try:
        with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
            (port,) = worker.metrics.exporter_ports()
            url = f"http://127.0.0.1:{port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as response:
                before = parse(response.read().decode())
            wait_until_decided(app, [post(client, CLEAN)])
            with urllib.request.urlopen(url, timeout=10) as response:
                after = parse(response.read().decode())
    finally:
        # A real worker closes it on worker_shutdown; the test worker stops cold, without it.
        worker.metrics.stop_exporters()
    published = value(after, "comments_published_total")
    assert published - value(before, "comments_published_total") == 1
    classified = value(after, "comment_classify_seconds_count")
    assert classified - value(before, "comment_classify_seconds_count") == 1
