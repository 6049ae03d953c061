"""Evaluation on held-out examples, and the comparison of candidate models by cross-validation."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import average_precision_score
from sklearn.metrics import brier_score_loss
from sklearn.metrics import confusion_matrix
from sklearn.metrics import precision_recall_fscore_support
from sklearn.metrics import roc_auc_score

from .classifier import LABELS
from .classifier import Classifier
from .corpus import Example
from .embeddings import WEIGHT as EMBEDDING_WEIGHT
from .embeddings import embed
from .features import build_features
from .training import LINEAR_MODEL
from .training import MODELS
from .training import choose_threshold
from .training import out_of_fold
from .training import targets


@dataclass(frozen=True)
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    roc_auc: float
    threshold: float
    #: [[true negatives, false positives], [false negatives, true positives]]
    confusion_matrix: list[list[int]]
    support: int


def label_metrics(truth: np.ndarray, scores: np.ndarray, threshold: float) -> LabelMetrics:
    predicted = scores >= threshold
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0
    )
    both_classes = len(set(truth.tolist())) == 2
    return LabelMetrics(
        precision=round(float(precision), 4),
        recall=round(float(recall), 4),
        f1=round(float(f1), 4),
        roc_auc=round(float(roc_auc_score(truth, scores)), 4) if both_classes else float("nan"),
        threshold=round(float(threshold), 4),
        confusion_matrix=confusion_matrix(truth, predicted, labels=[False, True]).tolist(),
        support=int(truth.sum()),
    )


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> dict[str, LabelMetrics]:
    probabilities = classifier.probabilities([example.text for example in examples])
    return {
        label: label_metrics(
            targets(examples, label), probabilities[label], classifier.thresholds[label]
        )
        for label in LABELS
    }


def as_dict(report: dict[str, LabelMetrics]) -> dict[str, dict[str, Any]]:
    return {label: asdict(metrics) for label, metrics in report.items()}


@dataclass(frozen=True)
class CandidateResult:
    model: str
    label: str
    roc_auc: float
    average_precision: float
    brier: float
    precision: float
    recall: float
    f1: float
    threshold: float
    seconds: float


def compare(examples: Sequence[Example], embeddings: bool = False) -> list[CandidateResult]:
    """Grouped 5-fold cross-validation of every candidate on the training split.

    Each candidate is calibrated and thresholded exactly as training would, so the
    numbers are the ones that candidate would ship with. With `embeddings`, the default
    model is also measured with sentence embeddings beside the features (`embeddings.py`).
    """
    texts = [example.text for example in examples]
    groups = [example.group for example in examples]
    matrix = build_features().fit_transform(texts)
    runs: list[tuple[str, str, Any]] = [(model, model, matrix) for model in MODELS]
    if embeddings:
        dense = sp.csr_matrix(EMBEDDING_WEIGHT * embed(texts))
        runs.append((f"{LINEAR_MODEL}+minilm", LINEAR_MODEL, sp.hstack([matrix, dense]).tocsr()))
    results = []
    for name, model, features in runs:
        for label in LABELS:
            truth = targets(examples, label)
            started = time.perf_counter()
            scores = out_of_fold(model, features, truth, groups)
            seconds = time.perf_counter() - started
            threshold = choose_threshold(label, truth, scores)
            metrics = label_metrics(truth, scores, threshold)
            results.append(
                CandidateResult(
                    model=name,
                    label=label,
                    roc_auc=metrics.roc_auc,
                    average_precision=round(float(average_precision_score(truth, scores)), 4),
                    brier=round(float(brier_score_loss(truth, scores)), 4),
                    precision=metrics.precision,
                    recall=metrics.recall,
                    f1=metrics.f1,
                    threshold=metrics.threshold,
                    seconds=round(seconds, 2),
                )
            )
    return results
