"""Classifier figures: per-comment latency, batch throughput, model size, training time.

    python bench/classifier.py [--repeat 3]

Pinned to one core. Latency is `Classifier.score([text])` for one comment at a time,
including normalisation, both labels and the explanations; throughput is the same
call on batches of 500, and `probabilities()` alone (no explanations) for comparison.
Each figure is given in wall-clock time and in the thread's CPU time: on a machine
shared with other work, wall-clock percentiles measure the neighbours' load as much
as this code, and CPU time is what the code itself costs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from threadpoolctl import threadpool_limits

from models import persistence
from models.corpus import load_seed
from models.corpus import split
from models.lifecycle import train_version

BATCH = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the test split")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        started = time.perf_counter()
        version = train_version(store)
        training = time.perf_counter() - started
        disk = sum(p.stat().st_size for p in (store / version).iterdir())

        tracemalloc.start()
        classifier = persistence.load(store, version)
        memory, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        texts = [example.text for example in split(load_seed())[1]]
        classifier.score(texts[:50])  # warm up
        latencies: dict[str, list[float]] = {"wall": [], "cpu": []}
        for _ in range(args.repeat):
            for text in texts:
                began, began_cpu = time.perf_counter(), time.thread_time()
                classifier.score([text])
                latencies["cpu"].append(time.thread_time() - began_cpu)
                latencies["wall"].append(time.perf_counter() - began)
        batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
        rates = {
            clock: (
                timed_rate(lambda: [classifier.score(b) for b in batches], len(texts), args.repeat,
                           clock),
                timed_rate(lambda: [classifier.probabilities(b) for b in batches], len(texts),
                           args.repeat, clock),
            )
            for clock in CLOCKS
        }  # fmt: skip

    print(f"\nClassifier {version} on {len(texts)} test comments, one core")
    for clock, values in latencies.items():
        values.sort()
        p50, p99 = (values[min(len(values) - 1, int(q * len(values)))] * 1000 for q in (0.5, 0.99))
        print(
            f"  single comment, score() with reasons ({clock}): p50 {p50:.2f} ms"
            f"   p99 {p99:.2f} ms   max {values[-1] * 1000:.2f} ms"
        )
    for clock, (scored, bare) in rates.items():
        print(f"  batch of {BATCH} ({clock}): score() with reasons {scored:,.0f} comments/s,"
              f" probabilities only {bare:,.0f} comments/s")  # fmt: skip
    print(f"  model on disk: {disk / 1e6:.2f} MB   in memory after load: {memory / 1e6:.1f} MB")
    print(
        f"  training (features, out-of-fold thresholds, calibrated heads, test evaluation): "
        f"{training:.1f} s"
    )
    return 0


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def timed_rate(work: object, count: int, repeat: int, clock: str = "wall") -> float:
    """Comments per second over the best of `repeat` runs, by the named clock."""
    now = CLOCKS[clock]
    best = float("inf")
    for _ in range(repeat):
        began = now()
        work()  # type: ignore[operator]
        best = min(best, now() - began)
    return count / best if best else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
