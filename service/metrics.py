"""Prometheus metrics: event counters where events happen, and gauges read at scrape time.

Counters live in the process that sees the event (the web counts posts, the worker its
verdicts) and are exported by that process: `/metrics` here, the worker's exporter in
`worker/metrics.py`. With several processes per service (gunicorn workers, Celery's
prefork pool) set `PROMETHEUS_MULTIPROC_DIR` to an empty folder so they add up.

What the database or the broker already knows (stale pending comments, queue depth,
decisions per moderator, the active model) is read when Prometheus scrapes, with one
cheap query each, so it is right whichever process answers and survives restarts.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from . import model_store
from .db import Comment
from .db import CommentStatus
from .db import ModerationDecision
from .db import db
from .db import utcnow

COMMENTS_POSTED = Counter("comments_posted", "Comments accepted by the API (202).")
COMMENTS_PUBLISHED = Counter("comments_published", "Comments published by the classifier.")
COMMENTS_HELD = Counter("comments_held", "Comments held for moderation, by reason.", ["reason"])
COMMENTS_REJECTED = Counter(
    "comments_rejected", "Comments rejected without review (honeypot, too fast...).", ["reason"]
)
CLASSIFY_SECONDS = Histogram(
    "comment_classify_seconds",
    "Time to score one comment (its share of a batch, model loading included).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

#: A comment pending longer than this is counted as stale (the sweeper's business).
STALE_PENDING_SECONDS = 60
#: kombu's Redis transport keeps each priority level in its own list beside the queue.
REDIS_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
#: The model store's pointer file (models/persistence.py; the web never imports models/).
REASON_MAX = 40


def record_posted(rejected_reason: str | None) -> None:
    """Count a 202 from the API, and why it was rejected at the door if it was."""
    COMMENTS_POSTED.inc()
    if rejected_reason:
        COMMENTS_REJECTED.labels(reason_label(rejected_reason)).inc()


def reason_label(reason: str) -> str:
    """A bounded label value from a free-text reason: "spam 0.93: 'buy'" -> "spam"."""
    head = reason.split(":", 1)[0].strip().lower()
    head = re.sub(r"\s+[0-9.]+$", "", head)
    return re.sub(r"[^a-z0-9]+", "_", head).strip("_")[:REASON_MAX] or "other"


def process_registry() -> Collector:
    """All processes' counters in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


class ScrapeTimeCollector(Collector):
    """Gauges read from the database and the broker at each scrape (needs an app context)."""

    def collect(self) -> Iterator[Any]:
        cutoff = utcnow() - timedelta(seconds=STALE_PENDING_SECONDS)
        stale = db.session.scalar(
            sa.select(sa.func.count(Comment.id)).where(
                Comment.status == CommentStatus.PENDING, Comment.created_at < cutoff
            )
        )
        yield GaugeMetricFamily(
            "comments_pending_stale",
            f"Comments pending for more than {STALE_PENDING_SECONDS} s.",
            value=stale or 0,
        )
        decisions = CounterMetricFamily(
            "moderation_decisions",
            "Moderators' decisions, by moderator and action.",
            labels=["moderator", "action"],
        )
        rows = db.session.execute(
            sa.select(
                ModerationDecision.moderator, ModerationDecision.action, sa.func.count()
            ).group_by(ModerationDecision.moderator, ModerationDecision.action)
        )
        for moderator, action, count in rows:
            decisions.add_metric([moderator, action], count)
        yield decisions
        depth = GaugeMetricFamily(
            "celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for queue, length in queue_lengths(current_app.config["CELERY"]).items():
            depth.add_metric([queue], length)
        yield depth
        model = GaugeMetricFamily(
            "model_active_info", "The active classifier version (value 1).", labels=["version"]
        )
        version = model_store.active_version()
        if version:
            model.add_metric([version], 1)
        yield model


def queues(celery_config: dict[str, Any]) -> list[str]:
    routes = celery_config.get("task_routes") or {}
    routed = {route["queue"] for route in routes.values() if isinstance(route, dict)}
    return sorted({celery_config.get("task_default_queue", "celery"), *routed})


def queue_lengths(celery_config: dict[str, Any]) -> dict[str, int]:
    """Messages waiting per queue, on Redis (LLEN) or kombu's filesystem broker (files)."""
    url = str(celery_config.get("broker_url", ""))
    names = queues(celery_config)
    if url.startswith(("redis://", "rediss://", "unix://")):
        client = redis_client(url)
        with client.pipeline() as pipe:
            for name in names:
                for suffix in REDIS_PRIORITY_SUFFIXES:
                    pipe.llen(name + suffix)
            lengths = pipe.execute()
        step = len(REDIS_PRIORITY_SUFFIXES)
        return {name: sum(lengths[i * step : (i + 1) * step]) for i, name in enumerate(names)}
    if url.startswith("filesystem://"):
        folder = Path(celery_config["broker_transport_options"]["data_folder_in"])
        files = [path.name for path in folder.glob("*.msg")] if folder.is_dir() else []
        return {name: sum(f.partition(".")[2] == f"{name}.msg" for f in files) for name in names}
    return {}


_redis_clients: dict[str, redis.Redis] = {}


def redis_client(url: str) -> redis.Redis:
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2)
    return _redis_clients[url]


def metrics_view() -> Response:
    """Prometheus text format; with METRICS_TOKEN set, only for `Authorization: Bearer <it>`."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(sent.encode(), str(token).encode()):
            return Response("unauthorized\n", status=401, mimetype="text/plain")
    scraped = CollectorRegistry()
    scraped.register(ScrapeTimeCollector())
    body = generate_latest(process_registry()) + generate_latest(scraped)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def metrics_init_app(app: Flask) -> None:
    """Serve `/metrics` for Prometheus (scraped from inside the network, like /healthz)."""
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
