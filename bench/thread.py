"""A 2,000-comment thread: time to serve its first page, a later page, and a 304.

    python bench/thread.py [--comments 2000]   (DATABASE_URL for PostgreSQL, else SQLite)

Half the comments are top-level, half are replies; the listing is requested through
the Flask app in-process, so the figures are the service's own work without network.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench` as a package

from bench.scratch import median_ms  # noqa: E402
from bench.scratch import scratch_app  # noqa: E402
from service.db import Comment  # noqa: E402
from service.db import CommentStatus  # noqa: E402
from service.db import Thread  # noqa: E402
from service.db import db  # noqa: E402
from service.rendering import render_comment  # noqa: E402

URI = "/blog/big-thread"
REPEAT = 30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=2000)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL")
    with scratch_app(database) as app:
        with app.app_context():
            fill(args.comments)
            if database:  # as autovacuum would have done for a thread this size
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
        client = app.test_client()
        first = timed(lambda: client.get("/api/v1/comments", query_string={"thread": URI}))
        etag = client.get("/api/v1/comments", query_string={"thread": URI}).headers["ETag"]
        later = timed(lambda: client.get("/api/v1/comments",
                                         query_string={"thread": URI, "page": 10}))  # fmt: skip
        cached = timed(lambda: client.get("/api/v1/comments", query_string={"thread": URI},
                                          headers={"If-None-Match": etag}))  # fmt: skip
    backend = "PostgreSQL" if database else "SQLite"
    print(f"\nThread of {args.comments} published comments on {backend}, median of {REPEAT}:")
    print(f"  first page (50 top-level with their replies): {first:.1f} ms")
    print(f"  page 10:                                      {later:.1f} ms")
    print(f"  unchanged, If-None-Match -> 304:              {cached:.1f} ms")
    return 0


def fill(count: int) -> None:
    thread = Thread(uri=URI, title="A long discussion")
    db.session.add(thread)
    db.session.flush()
    roots = []
    for n in range(count // 2):
        comment = Comment(thread_id=thread.id, author=f"Reader {n}", body=f"Comment *{n}*",
                          body_html=render_comment(f"Comment *{n}*"),
                          status=CommentStatus.PUBLISHED, reasons=[])  # fmt: skip
        db.session.add(comment)
        roots.append(comment)
    db.session.flush()
    for n in range(count - count // 2):
        db.session.add(Comment(thread_id=thread.id, parent_id=roots[n % len(roots)].id,
                               author=f"Replier {n}", body=f"Reply {n}",
                               body_html=render_comment(f"Reply {n}"),
                               status=CommentStatus.PUBLISHED, reasons=[]))  # fmt: skip
    db.session.commit()


def timed(call: Callable[[], Any]) -> float:
    """The first call is timed too: it builds the listing the others find cached."""
    return median_ms(call, REPEAT, statuses=(200, 304), warm_up=False)


if __name__ == "__main__":
    raise SystemExit(main())
