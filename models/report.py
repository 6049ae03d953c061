"""Evaluation report of a model version: metrics, a threshold table and PR/ROC images.

Written next to the model (`<store>/<version>/report.json`, `pr.png`, `roc.png`) by
the worker, so the web app shows it without scikit-learn: the threshold explorer
looks rows up in the precomputed table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display in a worker; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import average_precision_score  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from .classifier import LABELS  # noqa: E402
from .corpus import Example  # noqa: E402
from .evaluation import label_metrics  # noqa: E402
from .training import targets  # noqa: E402

REPORT_FILE = "report.json"
IMAGES = {"pr": "pr.png", "roc": "roc.png"}
#: Metrics the promotion guard compares per label (threshold-free, so comparable).
GUARDED_METRICS = ("roc_auc", "average_precision")
TABLE_STEPS = 100
LABEL_TITLES = {"spam": "Spam", "medical_claim": "Medical claim"}

Probabilities = Mapping[str, np.ndarray]


def probabilities_of(classifier: Any, examples: Sequence[Example]) -> dict[str, np.ndarray]:
    result: dict[str, np.ndarray] = classifier.probabilities([e.text for e in examples])
    return result


def metrics(
    examples: Sequence[Example], probabilities: Probabilities, thresholds: Mapping[str, float]
) -> dict[str, dict[str, Any]]:
    """Per label: precision, recall, F1, ROC AUC, average precision, confusion matrix."""
    result = {}
    for label in LABELS:
        truth = targets(examples, label)
        scores = probabilities[label]
        row = vars(label_metrics(truth, scores, thresholds[label])).copy()
        both = len(set(truth.tolist())) == 2
        row["average_precision"] = (
            round(float(average_precision_score(truth, scores)), 4) if both else None
        )
        if row["roc_auc"] != row["roc_auc"]:  # NaN is not JSON
            row["roc_auc"] = None
        result[label] = row
    return result


def threshold_table(
    examples: Sequence[Example], probabilities: Probabilities, thresholds: Mapping[str, float]
) -> dict[str, list[dict[str, float]]]:
    """For thresholds 0.00 ... 1.00 per label: share held, share of positives missed.

    `held_any` also counts comments the other label holds at its own threshold: the
    share of all comments a moderator would see.
    """
    total = max(len(examples), 1)
    table: dict[str, list[dict[str, float]]] = {}
    for label in LABELS:
        truth = targets(examples, label).astype(bool)
        scores = probabilities[label]
        others = np.zeros(len(examples), dtype=bool)
        for other in LABELS:
            if other != label:
                others |= probabilities[other] >= thresholds[other]
        positives = max(int(truth.sum()), 1)
        rows = []
        for step in range(TABLE_STEPS + 1):
            threshold = step / TABLE_STEPS
            held = scores >= threshold
            flagged = int(held.sum())
            caught = float((truth & held).sum())
            rows.append(
                {
                    "threshold": round(threshold, 2),
                    "held": round(flagged / total, 4),
                    "held_any": round(float((held | others).sum()) / total, 4),
                    "missed": round(float((truth & ~held).sum()) / positives, 4),
                    "precision": round(caught / flagged, 4) if flagged else 1.0,
                }
            )
        table[label] = rows
    return table


def guard(
    candidate: Mapping[str, Mapping[str, Any]],
    active: Mapping[str, Mapping[str, Any]] | None,
    tolerance: float,
) -> dict[str, Any]:
    """Passes when, per label, no guarded metric is worse than the active's by > tolerance."""
    if active is None:
        return {"passed": True, "tolerance": tolerance, "checks": [], "note": "no active model"}
    checks = []
    for label in LABELS:
        for name in GUARDED_METRICS:
            new, old = candidate[label].get(name), active[label].get(name)
            if new is None or old is None:
                continue
            delta = round(float(new) - float(old), 4)
            checks.append(
                {
                    "label": label,
                    "metric": name,
                    "candidate": new,
                    "active": old,
                    "delta": delta,
                    "ok": delta >= -tolerance,
                }
            )
    return {
        "passed": all(check["ok"] for check in checks),
        "tolerance": tolerance,
        "checks": checks,
    }


def draw_curves(
    folder: Path,
    examples: Sequence[Example],
    curves: Mapping[str, Probabilities],
) -> dict[str, str]:
    """PR and ROC curves, one panel per label, one line per model (candidate, active)."""
    styles = {0: "-", 1: "--"}
    for kind, filename in IMAGES.items():
        figure, axes = plt.subplots(1, len(LABELS), figsize=(9, 4), dpi=100)
        for axis, label in zip(axes, LABELS, strict=True):
            truth = targets(examples, label)
            for index, (name, probabilities) in enumerate(curves.items()):
                if len(set(truth.tolist())) < 2:
                    continue
                if kind == "pr":
                    precision, recall, _ = precision_recall_curve(truth, probabilities[label])
                    axis.plot(recall, precision, styles[min(index, 1)], label=name)
                else:
                    fpr, tpr, _ = roc_curve(truth, probabilities[label])
                    axis.plot(fpr, tpr, styles[min(index, 1)], label=name)
            axis.set_title(LABEL_TITLES[label])
            axis.set_xlabel("recall" if kind == "pr" else "false positive rate")
            axis.set_ylabel("precision" if kind == "pr" else "true positive rate")
            axis.set_xlim(0, 1)
            axis.set_ylim(0, 1.02)
            axis.grid(alpha=0.3)
            axis.legend(loc="lower left" if kind == "pr" else "lower right", fontsize=8)
        figure.tight_layout()
        figure.savefig(folder / filename, format="png")
        plt.close(figure)
    return dict(IMAGES)


def write(folder: Path, report: Mapping[str, Any]) -> None:
    """Atomically, so the web app never reads half a report."""
    draft = folder / f".{REPORT_FILE}.{os.getpid()}"
    draft.write_text(json.dumps(report, indent=1, sort_keys=True))
    os.replace(draft, folder / REPORT_FILE)


def read(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / REPORT_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
