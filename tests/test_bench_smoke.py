"""The benchmark harness still works: `bench/load.py --smoke` against the real stack, in seconds.

Figures are not asserted (speed targets live in the bench's printed table); what is
checked is that every row ran, wrk reached the service and nothing answered an error.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bench.load import BENCH_ENV
from bench.load import SMOKE
from bench.load import run
from bench.stack import StackOptions

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs PostgreSQL"),
    pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def test_smoke_run_fills_every_row_without_errors() -> None:
    rows = run(SMOKE, StackOptions(web_workers=2, worker_concurrency=1, env=BENCH_ENV))
    assert set(rows) == {
        "post_c8",
        "pipeline",
        "pipeline_worker_drain",
        "get_thread_c8",
        "get_thread_rendered_c8",
        "get_thread_304_c8",
        "decision_latency_20_per_s",
        "rss_web_mb",
        "rss_worker_mb",
    }
    for key in ("post_c8", "get_thread_c8", "get_thread_304_c8"):
        assert rows[key]["ours"]["requests"] > 0, key
        assert rows[key]["ours"]["errors"] == 0, key
    latency = rows["decision_latency_20_per_s"]["ours"]
    assert latency["errors"] == 0 and latency["comments"] == 20
    assert rows["pipeline"]["ours"]["per_s"] > 0
    assert rows["pipeline_worker_drain"]["ours"]["comments"] > 0
    assert 0 < rows["rss_web_mb"]["ours"] and 0 < rows["rss_worker_mb"]["ours"]
