"""Evaluation on held-out examples: per-label precision, recall, F1 and ROC AUC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import confusion_matrix
from sklearn.metrics import precision_recall_fscore_support
from sklearn.metrics import roc_auc_score

from .classifier import LABELS
from .classifier import Classifier
from .corpus import Example


@dataclass(frozen=True)
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    roc_auc: float
    support: int
    threshold: float
    #: [[true negatives, false positives], [false negatives, true positives]]
    confusion: list[list[int]]


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> dict[str, LabelMetrics]:
    texts = [example.text for example in examples]
    probabilities = classifier.probabilities(texts)
    report = {}
    for label in LABELS:
        truth = [example.label(label) for example in examples]
        threshold = classifier.thresholds[label]
        predicted = [bool(p >= threshold) for p in probabilities[label]]
        precision, recall, f1, _ = precision_recall_fscore_support(
            truth, predicted, average="binary", zero_division=0
        )
        report[label] = LabelMetrics(
            precision=round(float(precision), 4),
            recall=round(float(recall), 4),
            f1=round(float(f1), 4),
            roc_auc=round(float(roc_auc_score(truth, probabilities[label])), 4),
            support=sum(truth),
            threshold=threshold,
            confusion=confusion_matrix(truth, predicted, labels=[False, True]).tolist(),
        )
    return report


def as_dict(report: dict[str, LabelMetrics]) -> dict[str, dict[str, Any]]:
    return {label: asdict(metrics) for label, metrics in report.items()}
