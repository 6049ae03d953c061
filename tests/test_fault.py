"""Fault injection: comments posted while the worker is SIGKILLed twice and Redis restarts once.

The real stack (gunicorn, a prefork Celery worker with beat, a private redis-server,
PostgreSQL) from `bench/stack.py`. Concurrent clients post FAULT_COMMENTS comments
(default 1,000); meanwhile the worker is killed with SIGKILL twice (tasks in flight
die unacknowledged) and Redis restarts once without persistence (queued messages are
lost). Afterwards every accepted comment must be stored once, in a final state, and
decided at most once: late acknowledgement and the visibility timeout bring back what
a dead worker held, the sweeper re-enqueues what Redis forgot, and the conditional
UPDATE keeps a comment that runs twice from being decided twice.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.stack import Stack
from bench.stack import StackOptions

pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs PostgreSQL"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

COMMENTS = int(os.environ.get("FAULT_COMMENTS", "1000"))
CLIENTS = 8
#: Comments per second from all clients together: spreads the posts over the faults.
RATE = 50.0
FINAL = {"published", "held", "rejected"}
#: The worker logs one line per decision it wrote (`comment 12 published`).
DECISION_LINE = re.compile(r"comment (\d+) (published|held|rejected)\b")
SETTLE_SECONDS = 180


def post_comments(base_url: str, bodies: list[str], progress: list[int]) -> list[tuple[int, str]]:
    """One client on one keep-alive connection; returns (HTTP status, body text) per post."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    answers = []
    for body in bodies:
        payload = json.dumps({"thread": "/blog/fault", "author": "Fault", "body": body})
        connection.request(
            "POST", "/api/v1/comments", payload, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        answers.append((response.status, response.read().decode()))
        progress[0] += 1
        time.sleep(CLIENTS / RATE)
    connection.close()
    return answers


def inject_faults(stack: Stack, progress: list[int], done: threading.Event) -> list[str]:
    """Kill the worker at 15% and 65% of the posts and restart Redis at 40%."""
    events = []
    for fraction, fault in ((0.15, "kill"), (0.40, "redis"), (0.65, "kill")):
        while progress[0] < COMMENTS * fraction and not done.is_set():
            time.sleep(0.02)
        if fault == "kill":
            stack.kill_worker()
            events.append(f"worker SIGKILLed after {progress[0]} posts")
            time.sleep(0.5)
            stack.start_worker()
        else:
            stack.restart_redis(down_seconds=1.0)
            events.append(f"redis restarted after {progress[0]} posts")
    return events


def test_every_accepted_comment_is_decided_exactly_once(model_store: Path) -> None:
    options = StackOptions(
        web_workers=2,
        worker_concurrency=2,
        beat=True,
        sweep_age=10.0,
        sweep_interval=5.0,
        # Short, so a killed worker's messages also come back through Redis itself.
        visibility_timeout=20,
        model_store=model_store,
        log_level="INFO",
        # Rate limits stay on (in Redis, which restarts) but high: all clients share one address.
        env={
            "FLASK_REQUIRE_FORM_TOKEN": "false",
            "FLASK_COMMENT_RATE_LIMIT": "100000 per minute",
            "FLASK_THREAD_RATE_LIMIT": "100000 per minute",
        },
    )
    run = uuid.uuid4().hex[:8]
    bodies = [
        f"Fault run {run}, comment number {i}: thank you for the article." for i in range(COMMENTS)
    ]
    with Stack(options) as stack:
        progress = [0]
        done = threading.Event()
        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            chaos = pool.submit(inject_faults, stack, progress, done)
            posts = [
                pool.submit(post_comments, stack.base_url, bodies[i::CLIENTS], progress)
                for i in range(CLIENTS)
            ]
            answers = [answer for post in posts for answer in post.result()]
            done.set()
            events = chaos.result()
        accepted = {json.loads(text)["id"] for status, text in answers if status == 202}
        statuses = wait_until_settled(stack, len(accepted))
        decisions = Counter(
            int(match.group(1)) for match in DECISION_LINE.finditer(stack.log_text("worker"))
        )
        with stack.engine.connect() as connection:
            stored_bodies = Counter(
                connection.scalars(
                    sa.select(sa.column("body")).select_from(sa.table("comments"))
                ).all()
            )

    final = {i for i, status in statuses.items() if status in FINAL}
    lost = accepted - final
    duplicated = sum(count - 1 for count in stored_bodies.values() if count > 1)
    decided_twice = sorted(i for i, count in decisions.items() if count > 1)
    print(
        f"\nfault injection: {'; '.join(events)}\n"
        f"posted {len(answers)}, accepted {len(accepted)}, final {len(final & accepted)}, "
        f"lost {len(lost)}, duplicated rows {duplicated}, decided twice {len(decided_twice)}, "
        f"decision log lines {sum(decisions.values())}"
    )
    assert len(events) == 3
    assert [status for status, _ in answers] == [202] * COMMENTS
    assert len(accepted) == COMMENTS
    assert not lost, f"comments never decided: {sorted(lost)[:20]}"
    assert duplicated == 0
    assert sorted(stored_bodies) == sorted(bodies)
    assert decided_twice == []


def wait_until_settled(stack: Stack, expected: int) -> dict[int, str]:
    """Statuses once nothing is pending (or after SETTLE_SECONDS: then the test shows what)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    query = sa.text("SELECT id, status FROM comments")
    while True:
        with stack.engine.connect() as connection:
            statuses = {row.id: str(row.status).lower() for row in connection.execute(query)}
        pending = sum(1 for status in statuses.values() if status not in FINAL)
        if (len(statuses) >= expected and pending == 0) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)
