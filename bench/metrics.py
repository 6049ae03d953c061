"""What a Prometheus scrape of /metrics costs on a large database.

Fills a private schema (PostgreSQL when DATABASE_URL is set, else a SQLite file) with
`--comments` comments (most published, some pending, a few stale) and `--decisions`
moderation decisions, then times GET /metrics: the scrape-time gauges run one count of
stale pending comments, one grouped count of decisions, and one queue-length read.

    python bench/metrics.py [--comments 100000] [--decisions 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench` as a package

from bench.scratch import scratch_app  # noqa: E402
from service.db import Comment  # noqa: E402
from service.db import CommentStatus  # noqa: E402
from service.db import Label  # noqa: E402
from service.db import ModerationDecision  # noqa: E402
from service.db import Thread  # noqa: E402
from service.db import db  # noqa: E402
from service.db import utcnow  # noqa: E402

REPEAT = 20
MODERATORS = [f"mod{n}@clinic.example" for n in range(5)]
BATCH = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=5_000)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL")
    with scratch_app(database) as app:
        with app.app_context():
            fill(args.comments, args.decisions)
            if database:  # as autovacuum would have done
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
        client = app.test_client()
        samples = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get("/metrics")
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    backend = "PostgreSQL" if database else "SQLite"
    print(f"\n/metrics with {args.comments} comments and {args.decisions} decisions on {backend}:")
    print(f"  median {statistics.median(samples):.1f} ms, max {max(samples):.1f} ms "
          f"over {REPEAT} scrapes")  # fmt: skip
    return 0


def fill(comments: int, decisions: int) -> None:
    """Bulk rows: 2 % pending (half of them stale), the rest published."""
    thread = Thread(uri="/bench/metrics", title="Metrics bench")
    db.session.add(thread)
    db.session.flush()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for n in range(comments):
        pending = n % 50 == 0
        rows.append({
            "thread_id": thread.id, "author": "Reader", "body": f"Comment {n}",
            "body_html": f"<p>Comment {n}</p>", "reasons": [], "deleted": False,
            "status": CommentStatus.PENDING if pending else CommentStatus.PUBLISHED,
            "created_at": now - timedelta(minutes=5 if n % 100 == 0 else 0),
        })  # fmt: skip
        if len(rows) == BATCH:
            db.session.execute(sa.insert(Comment), rows)
            rows.clear()
    if rows:
        db.session.execute(sa.insert(Comment), rows)
    first = db.session.scalar(sa.select(sa.func.min(Comment.id)))
    assert first is not None
    db.session.execute(
        sa.insert(ModerationDecision),
        [{"comment_id": first + n % comments, "moderator": MODERATORS[n % len(MODERATORS)],
          "action": "approve", "from_status": CommentStatus.HELD,
          "to_status": CommentStatus.PUBLISHED, "label": Label.HAM, "created_at": now}
         for n in range(decisions)],
    )  # fmt: skip
    db.session.commit()


if __name__ == "__main__":
    raise SystemExit(main())
