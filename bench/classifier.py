"""Classifier figures: per-comment latency, batch throughput, model size, training time.

    python bench/classifier.py [--repeat 3]

Pinned to one core. Latency is `Classifier.score([text])` for one comment at a time,
including normalisation, both labels and the explanations; throughput is the same
call on batches of 500, and `probabilities()` alone (no explanations) for comparison.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

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
    figures = measure(args.repeat)
    print(f"\nClassifier {figures['version']} on {figures['texts']} test comments, one core")
    print(
        f"  single comment, score() with reasons: p50 {figures['single_p50_ms']:.2f} ms"
        f"   p99 {figures['single_p99_ms']:.2f} ms   max {figures['single_max_ms']:.2f} ms"
    )
    print(f"  batch of {BATCH}, score() with reasons: {figures['batch_per_s']:,.0f} comments/s")
    print(f"  batch of {BATCH}, probabilities only:  {figures['bare_per_s']:,.0f} comments/s")
    print(
        f"  model on disk: {figures['disk_mb']:.2f} MB"
        f"   in memory after load: {figures['memory_mb']:.1f} MB"
    )
    print(
        f"  training (features, out-of-fold thresholds, calibrated heads, test evaluation): "
        f"{figures['training_s']:.1f} s"
    )
    return 0


def measure(repeat: int = 3) -> dict[str, Any]:
    """Train on the seed corpus, then time scoring on one core; also used by bench/load.py."""
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(affinity)})
    try:
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
            latencies = []
            for _ in range(repeat):
                for text in texts:
                    began = time.perf_counter()
                    classifier.score([text])
                    latencies.append(time.perf_counter() - began)
            latencies.sort()
            batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
            scored = timed_rate(lambda: [classifier.score(b) for b in batches], len(texts), repeat)
            bare = timed_rate(
                lambda: [classifier.probabilities(b) for b in batches], len(texts), repeat
            )
    finally:
        os.sched_setaffinity(0, affinity)

    def ms(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "version": version,
        "texts": len(texts),
        "single_p50_ms": ms(0.5),
        "single_p99_ms": ms(0.99),
        "single_max_ms": latencies[-1] * 1000,
        "batch_per_s": scored,
        "bare_per_s": bare,
        "disk_mb": disk / 1e6,
        "memory_mb": memory / 1e6,
        "training_s": training,
    }


def timed_rate(work: object, count: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - began)
    return count / best if best else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
