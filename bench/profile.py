"""Where the time goes: pyinstrument profiles of the POST path, the thread GET and the task.

    python bench/profile.py [--requests 200]

Uses the stack's database and Redis (bench/stack.py) but runs the Flask app and the
classify task in this process so the profiler sees them; prints the top frames and
writes the full text profiles under bench/results/.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import BENCH_ENV  # noqa: E402
from bench.load import READ_THREAD  # noqa: E402
from bench.load import our_thread_path  # noqa: E402
from bench.load import seed_our_thread  # noqa: E402
from bench.stack import Stack  # noqa: E402
from bench.stack import StackOptions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from pyinstrument import Profiler

    with Stack(StackOptions(web_workers=1, env=BENCH_ENV)) as stack:
        seed_our_thread(stack, READ_THREAD, 100)
        stack.kill_worker()  # the task is profiled here, in this process
        os.environ.update(stack.env())
        from service import create_app
        from service.db import Comment
        from service.db import CommentStatus
        from service.db import db
        from worker.tasks import classify_comment

        app = create_app()
        client = app.test_client()
        client.get(our_thread_path(READ_THREAD))
        posts: list[int] = []

        def post(i: int) -> None:
            body = {"thread": "/blog/profile", "author": "P", "body": f"Profiled comment {i}."}
            posts.append(client.post("/api/v1/comments", json=body).get_json()["id"])

        post(-1)

        def post_many() -> None:
            for i in range(args.requests):
                post(i)

        def get_many() -> None:
            for _ in range(args.requests):
                client.get(our_thread_path(READ_THREAD))

        profiles: dict[str, Callable[[], None]] = {"post": post_many, "get_thread": get_many}
        RESULTS.mkdir(exist_ok=True)
        for name, work in profiles.items():
            profiler = Profiler(interval=0.0005)
            profiler.start()
            work()
            profiler.stop()
            report(name, profiler, args.requests)

        def decide_all() -> None:
            with app.app_context():
                pending = db.session.scalars(
                    sa.select(Comment.id).where(Comment.status == CommentStatus.PENDING)
                ).all()
                db.session.rollback()
            if pending:
                classify_comment(pending[0])  # one run drains them all, in batches

        with app.app_context():
            profiler = Profiler(interval=0.0005)
            profiler.start()
            decide_all()
            profiler.stop()
            report("classify_run", profiler, len(posts), unit="comment")
            db.engine.dispose()
    return 0


def report(name: str, profiler: object, count: int, unit: str = "call") -> None:
    from pyinstrument import Profiler

    assert isinstance(profiler, Profiler)
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (RESULTS / f"profile-{name}.txt").write_text(text)
    session = profiler.last_session
    assert session is not None
    print(
        f"\n== {name}: {count} {unit}s, {session.duration * 1000 / count:.2f} ms wall and "
        f"{session.cpu_time * 1000 / count:.2f} ms CPU per {unit}"
    )
    print("\n".join(text.splitlines()[6:40]))


if __name__ == "__main__":
    sys.exit(main())
