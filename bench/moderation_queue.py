"""The moderation queue with 10,000 held comments: server time to render its pages.

    DATABASE_URL=postgresql://... python bench/moderation_queue.py [--held 10000] [--published 5000]

Seeds a fresh PostgreSQL schema (dropped afterwards; SQLite when DATABASE_URL is unset),
signs a moderator in through the Flask test client and prints the median time of several
requests for: the first Held page, a text search, a filtered page and a page deep in the
list (keyset). Target: under 150 ms each. In-process, so the figures are the service's own
work (queries and rendering) without network.
"""

from __future__ import annotations

import argparse
import os
import random
import re
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
from service.db import Role  # noqa: E402
from service.db import StaffUser  # noqa: E402
from service.db import Thread  # noqa: E402
from service.db import db  # noqa: E402

REPEAT = 15
PASSWORD = "benchmark password of some length"
WORDS = ("pain relief infusion clinic dose doctor sleep migraine therapy cheap shop cures "
         "depression anxiety nerve session week month results insurance").split()  # fmt: skip
REASONS = (["spam 0.91: 'cheap', 'shop'"], ["medical claim 0.88: cure claim, 'cures'"],
           ["watched word: 'miracle'"], ["reported by readers"], ["pre-moderation"])  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--held", type=int, default=10_000)
    parser.add_argument("--published", type=int, default=5_000)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL")
    with scratch_app(database, secret_key="bench-secret-key-of-some-length") as app:
        with app.app_context():
            last_id = fill(args.held, args.published)
            if database:  # as autovacuum would have done after a load this size
                with db.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                        sa.text("VACUUM ANALYZE")
                    )
        client = app.test_client()
        sign_in(client)
        results = {
            "first Held page": timed(lambda: client.get("/moderation/")),
            "search (text, author or email)": timed(
                lambda: client.get("/moderation/", query_string={"q": "migraine"})
            ),
            "search by email": timed(
                lambda: client.get("/moderation/", query_string={"q": "reader77@"})
            ),
            "reason + score range": timed(
                lambda: client.get(
                    "/moderation/",
                    query_string={
                        "reason": "cure claim",
                        "claim_min": "0.5",
                        "spam_max": "0.6",
                    },
                )  # fmt: skip
            ),
            "Held page deep in the list (keyset)": timed(
                lambda: client.get("/moderation/", query_string={"after": last_id - 500})
            ),
            "live counts (JSON)": timed(lambda: client.get("/moderation/counts?ids=1,2,3")),
        }
    backend = "PostgreSQL" if database else "SQLite"
    print(f"\nQueue with {args.held} held and {args.published} published comments on {backend},"
          f" server time, median of {REPEAT} (target < 150 ms):")  # fmt: skip
    for name, ms in results.items():
        print(f"  {name + ':':40} {ms:6.1f} ms")
    return 0


def fill(held: int, published: int) -> int:
    """Bulk-insert the comments (executemany); returns the last held comment's id."""
    rng = random.Random(4)
    threads = [Thread(uri=f"/blog/article-{n}", title=f"Article {n}") for n in range(20)]
    db.session.add_all(threads)
    staff = StaffUser(email="bench@clinic.example", role=Role.MODERATOR)
    staff.set_password(PASSWORD)
    db.session.add(staff)
    db.session.flush()
    rows: list[dict[str, Any]] = []
    for n in range(held + published):
        reader = rng.randrange(2_000)
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 60)))
        rows.append({
            "thread_id": threads[n % len(threads)].id,
            "author": f"Reader {reader}",
            "email": f"reader{reader}@example.org",
            "body": body,
            "body_html": f"<p>{body}</p>",
            "status": CommentStatus.HELD if n < held else CommentStatus.PUBLISHED,
            "spam_score": round(rng.random(), 3),
            "medical_claim_score": round(rng.random(), 3),
            "reasons": rng.choice(REASONS),
            "ip_hash": f"{reader:032x}",
            "model_version": "bench",
        })  # fmt: skip
    rng.shuffle(rows)  # held and published interleaved, as they arrive
    for start in range(0, len(rows), 2_000):
        db.session.execute(sa.insert(Comment), rows[start : start + 2_000])
    db.session.commit()
    return int(
        db.session.scalar(
            sa.select(sa.func.max(Comment.id)).where(Comment.status == CommentStatus.HELD)
        )
        or 0
    )


def sign_in(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on /login"
    response = client.post("/login", data={"email": "bench@clinic.example", "password": PASSWORD,
                                            "csrf_token": token.group(1)})  # fmt: skip
    assert response.status_code == 302, response.status_code


def timed(call: Callable[[], Any]) -> float:
    return median_ms(call, REPEAT)


if __name__ == "__main__":
    raise SystemExit(main())
