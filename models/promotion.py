"""Train a candidate, report on it beside the active model, and promote it only if not worse.

Both models are measured on the same evaluation data (the seed's fixed test split and
the newest decisions), so the guard compares like with like. A refused candidate is
kept as a saved version: an admin may still promote it with a written reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from . import persistence
from . import report
from .corpus import data_hash
from .retraining import TrainingData
from .training import DEFAULT_MODEL
from .training import Progress
from .training import fit

log = logging.getLogger(__name__)

#: A candidate may be this much worse than the active model per label and metric.
DEFAULT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Outcome:
    version: str
    previous: str | None
    promoted: bool
    report: dict[str, Any]


def _no_progress(step: str, fraction: float) -> None:
    return None


def train_candidate(
    store: Path,
    data: TrainingData,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    progress: Progress | None = None,
    kind: str = DEFAULT_MODEL,
    promote: bool = True,
) -> Outcome:
    """Fit, save, evaluate candidate and active on the same data, write the report, guard."""
    report_progress = progress or _no_progress

    def training_progress(step: str, fraction: float) -> None:
        report_progress(f"training: {step}", 0.05 + 0.7 * fraction)

    started = time.perf_counter()
    classifier = fit(data.train, kind, training_progress)
    seconds = round(time.perf_counter() - started, 1)
    report_progress("evaluating the candidate", 0.78)
    examples = data.evaluation
    candidate_scores = report.probabilities_of(classifier, examples)
    candidate_metrics = report.metrics(examples, candidate_scores, classifier.thresholds)
    version = persistence.save(
        classifier,
        store,
        {
            "model": kind,
            "data_hash": data_hash(data.train),
            "train_size": len(data.train),
            "test_size": len(examples),
            "training_seconds": seconds,
            "metrics": candidate_metrics,
        },
    )
    report_progress("evaluating the active model", 0.85)
    previous = persistence.active_version(store)
    curves: dict[str, report.Probabilities] = {f"candidate {version[:15]}": candidate_scores}
    active_metrics = None
    if previous is not None:
        try:
            active = persistence.load(store, previous)
        except persistence.ModelUnavailable as error:
            log.warning("active model %s cannot be compared: %s", previous, error)
        else:
            active_scores = report.probabilities_of(active, examples)
            active_metrics = report.metrics(examples, active_scores, active.thresholds)
            curves[f"active {previous[:15]}"] = active_scores
            if report.read(store / previous) is None:
                write_own_report(store, previous, data, active_scores, active.thresholds)
    verdict = report.guard(candidate_metrics, active_metrics, tolerance)
    report_progress("drawing curves", 0.92)
    images = report.draw_curves(store / version, examples, curves)
    full = {
        "version": version,
        "created": datetime.now(UTC).isoformat(),
        "model": kind,
        "evaluation_size": len(examples),
        "thresholds": dict(classifier.thresholds),
        "metrics": candidate_metrics,
        "table": report.threshold_table(examples, candidate_scores, classifier.thresholds),
        "compared_with": (
            {"version": previous, "metrics": active_metrics} if active_metrics else None
        ),
        "guard": verdict,
        "images": images,
        "data": data.summary,
        "training_seconds": seconds,
    }
    report.write(store / version, full)
    promoted = promote and bool(verdict["passed"])
    if promoted:
        persistence.activate(store, version)
    report_progress("done", 1.0)
    log.info("candidate %s %s", version, "promoted" if promoted else "kept as a candidate")
    return Outcome(version, previous, promoted, full)


def write_own_report(
    store: Path,
    version: str,
    data: TrainingData,
    scores: report.Probabilities,
    thresholds: dict[str, float] | Any,
) -> None:
    """A report for a version that has none yet (e.g. the first, trained by `make model`)."""
    examples = data.evaluation
    images = report.draw_curves(store / version, examples, {version[:15]: scores})
    report.write(
        store / version,
        {
            "version": version,
            "created": datetime.now(UTC).isoformat(),
            "evaluation_size": len(examples),
            "thresholds": dict(thresholds),
            "metrics": report.metrics(examples, scores, thresholds),
            "table": report.threshold_table(examples, scores, thresholds),
            "compared_with": None,
            "guard": None,
            "images": images,
            "data": None,
        },
    )
