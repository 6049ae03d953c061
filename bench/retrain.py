"""Retrain figures: wall time and peak memory of a retrain on 100,000 labeled comments.

    python bench/retrain.py [--size 100000] [--decisions 10000]

The comments are made by resampling the seed corpus and perturbing each copy (words
dropped, swapped or re-cased, filler words and a number appended), so few are
duplicates after normalisation; a share of them arrive as moderator decisions with
timestamps, as the worker passes them. The run is what the `retrain` task does:
assemble (normalise, deduplicate, hold out by time), fit, evaluate candidate and active
model on the same data, draw the curves, write the report, apply the guard.
Target on the 2-core machine: under 60 s and under 2 GiB peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from models.corpus import Example
from models.corpus import load_seed
from models.lifecycle import train_version
from models.promotion import train_candidate
from models.retraining import Decision
from models.retraining import assemble

FILLER = (
    "really honestly today thanks again folks anyway also just here note btw okay well "
    "yes indeed friends update again still"
).split()
LABEL_OF = {(False, False): "ham", (True, False): "spam", (False, True): "medical_claim"}


def perturb(text: str, rng: random.Random, serial: int) -> str:
    words = text.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if rng.random() < 0.3:
        words = [w.upper() if rng.random() < 0.2 else w for w in words]
    words += rng.sample(FILLER, rng.randint(1, 3)) + [str(serial)]
    return " ".join(words)


def make_data(size: int, decisions: int, seed: int = 1) -> tuple[list[Example], list[Decision]]:
    rng = random.Random(seed)
    corpus = load_seed()
    examples = []
    for serial in range(size - decisions):
        e = rng.choice(corpus)
        examples.append(
            Example(perturb(e.text, rng, serial), e.spam, e.medical_claim, e.lang, e.group)
        )
    start = datetime.now(UTC) - timedelta(days=30)
    made = []
    for serial in range(decisions):
        e = rng.choice(corpus)
        label = LABEL_OF.get((e.spam, e.medical_claim), "spam")
        text = perturb(e.text, rng, size + serial)
        made.append(Decision(serial, text, label, start + timedelta(minutes=serial)))
    return examples, made


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        train_version(store)  # the active model the candidate is compared with
        seed, decisions = make_data(args.size, args.decisions)
        before = peak_rss_mib()
        started = time.perf_counter()
        data = assemble(seed, decisions)
        assembled = time.perf_counter() - started
        print(f"  assembled in {assembled:.1f} s", file=sys.stderr, flush=True)
        steps: dict[str, float] = {}

        def progress(step: str, fraction: float) -> None:
            steps[step] = time.perf_counter() - started
            print(f"  {step:<36} at {steps[step]:6.1f} s", file=sys.stderr, flush=True)

        outcome = train_candidate(store, data, progress=progress)
        wall = time.perf_counter() - started
    print(f"labeled comments:   {args.size:,} ({args.decisions:,} as moderator decisions)")
    print(f"after dedup:        {len(data.train):,} train, {len(data.evaluation):,} evaluation")
    print(f"assemble (dedup):   {assembled:.1f} s")
    for step, at in steps.items():
        print(f"  {step:<36} at {at:6.1f} s")
    print(f"retrain wall time:  {wall:.1f} s  (target < 60 s)")
    print(f"peak RSS:           {peak_rss_mib():.0f} MiB (before the retrain {before:.0f} MiB;"
          " target < 2048 MiB)")  # fmt: skip
    print(f"guard passed:       {outcome.report['guard']['passed']}, promoted: {outcome.promoted}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
