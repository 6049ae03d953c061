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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from models import persistence
from models.corpus import load_seed
from models.corpus import split
from models.lifecycle import train_version

BATCH = 500
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the test split")
    args = parser.parse_args()
    figures = measure(args.repeat)
    print(f"\nClassifier {figures['version']} on {figures['texts']} test comments, one core")
    for clock in CLOCKS:
        suffix = "" if clock == "wall" else "_cpu"
        print(
            f"  single comment, score() with reasons ({clock}): "
            f"p50 {figures[f'single_p50{suffix}_ms']:.2f} ms"
            f"   p99 {figures[f'single_p99{suffix}_ms']:.2f} ms"
            f"   max {figures[f'single_max{suffix}_ms']:.2f} ms"
        )
        print(
            f"  batch of {BATCH} ({clock}): score() with reasons "
            f"{figures[f'batch{suffix}_per_s']:,.0f} comments/s,"
            f" probabilities only {figures[f'bare{suffix}_per_s']:,.0f} comments/s"
        )
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
    """Train on the seed corpus, then time scoring on one core; also used by bench/load.py.

    Keys without a suffix are wall-clock figures; `_cpu` ones are the thread's CPU time.
    """
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(affinity)})
    figures: dict[str, Any] = {}
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
            latencies: dict[str, list[float]] = {"wall": [], "cpu": []}
            for _ in range(repeat):
                for text in texts:
                    began, began_cpu = time.perf_counter(), time.thread_time()
                    classifier.score([text])
                    latencies["cpu"].append(time.thread_time() - began_cpu)
                    latencies["wall"].append(time.perf_counter() - began)
            batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
            for clock in CLOCKS:
                suffix = "" if clock == "wall" else "_cpu"
                values = sorted(latencies[clock])

                def ms(q: float, values: list[float] = values) -> float:
                    return values[min(len(values) - 1, int(q * len(values)))] * 1000

                figures[f"single_p50{suffix}_ms"] = ms(0.5)
                figures[f"single_p99{suffix}_ms"] = ms(0.99)
                figures[f"single_max{suffix}_ms"] = values[-1] * 1000
                figures[f"batch{suffix}_per_s"] = timed_rate(
                    lambda: [classifier.score(b) for b in batches], len(texts), repeat, clock
                )
                figures[f"bare{suffix}_per_s"] = timed_rate(
                    lambda: [classifier.probabilities(b) for b in batches],
                    len(texts),
                    repeat,
                    clock,
                )
    finally:
        os.sched_setaffinity(0, affinity)
    return {
        "version": version,
        "texts": len(texts),
        **figures,
        "disk_mb": disk / 1e6,
        "memory_mb": memory / 1e6,
        "training_s": training,
    }


def timed_rate(work: Callable[[], object], count: int, repeat: int, clock: str = "wall") -> float:
    """Comments per second over the best of `repeat` runs, by the named clock."""
    now = CLOCKS[clock]
    best = float("inf")
    for _ in range(repeat):
        began = now()
        work()
        best = min(best, now() - began)
    return count / best if best else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
