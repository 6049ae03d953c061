"""Training: shared features, a calibrated head per label, thresholds chosen out of fold.

The default head is the stacked second stage of `stacking.py` (per-block linear
scores, then calibrated boosted trees); the linear candidates remain for `compare`.

Thresholds come from out-of-fold probabilities on the training split (grouped, so
paraphrases share a fold), never from the test split:
- spam: the lowest threshold whose precision reaches SPAM_PRECISION (readers must not vanish);
- medical claims: the highest threshold whose recall reaches CLAIM_RECALL (staff must see them).
"Reaches" means with one-sided 95% confidence (the Wilson score bound), not on average: a
threshold set where the out-of-fold estimate just touches its target misses the target on
new comments about half the time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import GroupKFold
from sklearn.model_selection import cross_val_predict
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from .classifier import LABELS
from .classifier import Classifier
from .corpus import Example
from .features import build_features
from .stacking import StackedHead
from .stacking import layout

log = logging.getLogger(__name__)

RANDOM_STATE = 20261125
FOLDS = 5
#: From this many examples on, fewer folds choose the thresholds and calibrate: each fold's
#: model still sees tens of thousands of comments, and a large site retrains in a minute.
LARGE_DATA = 20_000
LARGE_DATA_FOLDS = 3
LARGE_DATA_CALIBRATION_FOLDS = 2
CALIBRATION_FOLDS = 3
SPAM_PRECISION = 0.98
CLAIM_RECALL = 0.95
#: z of a one-sided 95% bound: the targets are met with this confidence out of fold.
CONFIDENCE_Z = 1.645
#: Progress callback: (step name, fraction done).
Progress = Callable[[str, float], None]


def _logistic() -> Any:
    return LogisticRegression(
        C=20.0,
        class_weight="balanced",
        solver="liblinear",
        max_iter=1000,
        random_state=RANDOM_STATE,
    )


def _linear_svm() -> Any:
    return LinearSVC(C=1.0, class_weight="balanced", random_state=RANDOM_STATE)


def _complement_nb() -> Any:
    return ComplementNB(alpha=0.3)


def _sgd() -> Any:
    return SGDClassifier(
        loss="modified_huber", alpha=2e-5, class_weight="balanced", max_iter=50,
        random_state=RANDOM_STATE,
    )  # fmt: skip


#: The candidates `python -m models compare` measures; each is calibrated the same way.
CANDIDATES: dict[str, Callable[[], Any]] = {
    "logistic_regression": _logistic,
    "linear_svm": _linear_svm,
    "complement_nb": _complement_nb,
    "sgd_modified_huber": _sgd,
}
#: A second stage over per-block linear scores (`stacking.py`), not a linear candidate.
STACKED = "stacked_trees"
#: The linear candidate the stage's blocks use, and the one compared with embeddings.
LINEAR_MODEL = "linear_svm"
#: Chosen by `python -m models compare` (see the README for the figures).
DEFAULT_MODEL = STACKED
MODELS = (*CANDIDATES, STACKED)


def calibrated(kind: str, size: int = 0) -> CalibratedClassifierCV:
    """Sigmoid calibration, so a probability of 0.9 means about nine in ten."""
    folds = CALIBRATION_FOLDS if size < LARGE_DATA else LARGE_DATA_CALIBRATION_FOLDS
    return CalibratedClassifierCV(CANDIDATES[kind](), method="sigmoid", cv=folds)


def wilson_lower_bound(share: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The lower end of the Wilson score interval of observed shares over `count` trials."""
    z2 = CONFIDENCE_Z**2
    n = np.maximum(np.asarray(count, dtype=float), 1e-12)
    spread = CONFIDENCE_Z * np.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    bound = (share + z2 / (2 * n) - spread) / (1 + z2 / n)
    return np.where(np.asarray(count) > 0, bound, 0.0)


def threshold_for_precision(truth: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The lowest threshold whose precision reaches `target` with 95% confidence
    (the best-F1 threshold if none does)."""
    precision, recall, thresholds = precision_recall_curve(truth, scores)
    precision, recall = precision[:-1], recall[:-1]
    flagged = np.rint(recall * truth.sum() / np.maximum(precision, 1e-12))
    ok = np.flatnonzero(wilson_lower_bound(precision, flagged) >= target)
    if ok.size:
        return float(thresholds[ok[0]])
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1))])


def threshold_for_recall(truth: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The highest threshold whose recall still reaches `target` with 95% confidence
    (the lowest threshold if none does)."""
    _, recall, thresholds = precision_recall_curve(truth, scores)
    positives = np.full(len(thresholds), truth.sum())
    ok = np.flatnonzero(wilson_lower_bound(recall[:-1], positives) >= target)
    return float(thresholds[ok[-1]]) if ok.size else float(thresholds[0])


def choose_threshold(label: str, truth: np.ndarray, scores: np.ndarray) -> float:
    if label == "spam":
        return threshold_for_precision(truth, scores, SPAM_PRECISION)
    return threshold_for_recall(truth, scores, CLAIM_RECALL)


def targets(examples: Sequence[Example], label: str) -> np.ndarray:
    return np.array([example.label(label) for example in examples], dtype=int)


def folds_for(size: int) -> int:
    """Five folds for the seed corpus's size; three for large moderated sites."""
    return FOLDS if size < LARGE_DATA else LARGE_DATA_FOLDS


def head(kind: str, matrix: Any, truth: np.ndarray, groups: Sequence[str]) -> Any:
    """One label's fitted head: calibrated linear, or the stacked second stage."""
    if kind == STACKED:
        blocks, raw = layout(matrix.shape[1])
        folds = folds_for(len(truth))
        return StackedHead(blocks, raw, folds=folds).fit(matrix, truth, groups)
    return calibrated(kind, len(truth)).fit(matrix, truth)


def out_of_fold(kind: str, matrix: Any, truth: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Probabilities for each training example from a model that never saw its group.

    For the stacked stage this is nested: each fold's stage makes its own out-of-fold
    block scores from the other folds only.
    """
    if kind == STACKED:
        matrix = sp.csr_matrix(matrix)
        grouping = np.asarray(groups)
        scores = np.zeros(len(truth))
        cv = GroupKFold(folds_for(len(truth)))
        for train, held_out in cv.split(matrix, truth, grouping):
            fitted = head(kind, matrix[train], truth[train], list(grouping[train]))
            scores[held_out] = fitted.predict_proba(matrix[held_out])[:, 1]
        return scores
    predictions = cross_val_predict(
        calibrated(kind, len(truth)), matrix, truth, groups=groups,
        cv=GroupKFold(folds_for(len(truth))),
        method="predict_proba",
    )  # fmt: skip
    return np.asarray(predictions)[:, 1]


def fit(
    examples: Sequence[Example],
    kind: str = DEFAULT_MODEL,
    progress: Progress | None = None,
    extra: Sequence[Example] = (),
) -> Classifier:
    """Fit features once, then per label: thresholds out of fold, and the final head.

    `extra` examples (other corpora, see `external.py`) are trained on by the spam
    head only, and thresholds are chosen on the out-of-fold scores of `examples`
    alone: the operating point is set on the project's own kind of comments.
    """
    report = progress or (lambda step, fraction: None)
    everything = [*examples, *extra]
    own = np.arange(len(examples))
    texts = [example.text for example in everything]
    groups = [example.group for example in everything]
    report("features", 0.05)
    features = build_features()
    matrix = features.fit_transform(texts)  # one pass: fit() then transform() prepared twice
    heads: dict[str, Any] = {}
    thresholds: dict[str, float] = {}
    for index, label in enumerate(LABELS):
        # The extra corpora are labeled for spam only: the claim head never sees them.
        rows = np.arange(len(everything)) if label == "spam" else own
        truth = targets(everything, label)[rows]
        if len(set(truth[own])) < 2:
            raise ValueError(f"training data needs both classes of {label!r}")
        report(f"{label}: thresholds", 0.1 + 0.45 * index)
        scores = out_of_fold(kind, matrix[rows], truth, [groups[i] for i in rows])
        thresholds[label] = choose_threshold(label, truth[own], scores[own])
        report(f"{label}: final model", 0.35 + 0.45 * index)
        heads[label] = head(kind, matrix[rows], truth, [groups[i] for i in rows])
        log.info("%s threshold %.3f", label, thresholds[label])
    report("done", 1.0)
    return Classifier(features=features, heads=heads, thresholds=thresholds)
