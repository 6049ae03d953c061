"""CPU per posted comment, by process kind, while wrk posts at 8 connections.

    python bench/cpu_split.py [--seconds 10]

Starts the production shape (bench/stack.py, 4 gunicorn sync workers, Celery prefork x 2),
reads every process's CPU time from /proc before and after a wrk POST run (including the
drain of what it posted), and prints the milliseconds each kind spent per comment: the
answer to "whose CPU does a POST cost" on a machine where all of them share two cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import BENCH_ENV  # noqa: E402
from bench.load import POST_PATH  # noqa: E402
from bench.load import wait_drained  # noqa: E402
from bench.load import wrk  # noqa: E402
from bench.stack import Stack  # noqa: E402
from bench.stack import StackOptions  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def process_kind(stat: str, command: str) -> str:
    if "gunicorn" in command:
        return "gunicorn"
    if "celery" in command:
        return "celery"
    if stat.split()[1].startswith("(postgres"):
        return "postgres"
    if "redis-server" in command:
        return "redis"
    return "other"


def cpu_by_process() -> dict[int, tuple[str, float]]:
    """(kind, user+system seconds) of every live process."""
    seen: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seen[int(entry)] = (
            process_kind(stat, command),
            (int(fields[11]) + int(fields[12])) / TICKS,
        )
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with Stack(StackOptions(web_workers=4, worker_concurrency=2, env=BENCH_ENV)) as stack:
        wrk(stack.base_url, "post.lua", ["ours", POST_PATH, "/blog/warm-up"], 8, 2)
        wait_drained(stack)
        before = cpu_by_process()
        began = time.monotonic()
        figures = wrk(stack.base_url, "post.lua", ["ours", POST_PATH, "/blog/split"], 8,
                      args.seconds)  # fmt: skip
        wait_drained(stack)
        elapsed = time.monotonic() - began
        spent: dict[str, float] = {}
        for pid, (kind, seconds) in cpu_by_process().items():
            spent[kind] = spent.get(kind, 0.0) + seconds - before.get(pid, (kind, 0.0))[1]
    print(f"{figures.rps:.0f} POST/s, {figures.requests} comments, {elapsed:.1f} s with the drain")
    for kind, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(
            f"{kind:10s} {seconds:6.2f} s CPU  {seconds / figures.requests * 1000:5.2f} ms/comment"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
