"""POST-to-final-status latency with a real Celery worker, Redis and PostgreSQL.

Starts `celery -A worker worker` as a subprocess on a private queue and schema,
posts comments one at a time through the Flask app, and times each from the POST
until the worker has written `published` or `held`. Prints a small table.

    python bench/latency.py [--count 50]
    (DATABASE_URL and REDIS_URL default to the local servers on 127.0.0.1)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from models.lifecycle import train_version
from service import create_app
from service.config import normalise_database_url
from service.db import Comment
from service.db import CommentStatus
from service.db import db

TEXTS = [
    "Thank you, the article answered my questions about the first infusion.",
    "Buy ketamine online without prescription, WhatsApp +1 555 0100 https://k-shop.example",
    "Ketamine cured my depression forever, stop taking your antidepressants.",
    "My pain specialist wants me to try six infusions. Did anyone feel sick after the first?",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    queue = f"bench-{schema}"
    admin = sa.create_engine(normalise_database_url(database))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(normalise_database_url(database)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    store = work / "models"
    train_version(store)
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "REDIS_URL": redis_url,
        "MODEL_STORE": str(store),
        "SECRET_KEY": "bench-secret",
        "FLASK_CELERY__task_default_queue": queue,
        "LOG_LEVEL": "WARNING",
        # A trusted in-process client: no form token, no rate limits in the way.
        "FLASK_REQUIRE_FORM_TOKEN": "false",
        "FLASK_COMMENT_RATE_LIMIT": "100000 per minute",
        "FLASK_THREAD_RATE_LIMIT": "100000 per minute",
    }
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        db.create_all()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
    )
    try:
        client = app.test_client()
        wait_for_worker(app, client)
        timings = [
            post_and_wait(app, client, f"{TEXTS[i % len(TEXTS)]} ({i})")  # no duplicates
            for i in range(args.count)
        ]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        with app.app_context():
            db.engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    timings_ms = sorted(t * 1000 for t in timings)
    p95 = timings_ms[max(0, int(len(timings_ms) * 0.95) - 1)]
    print(
        f"\nPOST -> final status, {len(timings_ms)} comments, one at a time "
        "(real Celery worker, Redis broker, PostgreSQL)"
    )
    print(f"{'median':>10} {'p95':>10} {'min':>10} {'max':>10}")
    print(
        f"{statistics.median(timings_ms):>8.1f}ms {p95:>8.1f}ms "
        f"{timings_ms[0]:>8.1f}ms {timings_ms[-1]:>8.1f}ms"
    )
    return 0


def post_and_wait(app: Flask, client: FlaskClient, text: str, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    response = client.post(
        "/api/v1/comments", json={"thread": "/blog/bench", "author": "Bench", "body": text}
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    comment_id = response.get_json()["id"]
    with app.app_context():
        while time.perf_counter() - started < timeout:
            status = db.session.scalar(sa.select(Comment.status).where(Comment.id == comment_id))
            db.session.rollback()
            if status is not CommentStatus.PENDING:
                return time.perf_counter() - started
            time.sleep(0.002)
    raise RuntimeError(f"comment {comment_id} still pending after {timeout}s")


def wait_for_worker(app: Flask, client: FlaskClient) -> None:
    """The first comment waits for the worker to start and load the model; not counted."""
    post_and_wait(app, client, TEXTS[0], timeout=120)


if __name__ == "__main__":
    sys.exit(main())
