"""A trained classifier: shared features, one calibrated head per label, thresholds, reasons.

A head is either a calibrated linear model over the whole row or a `StackedHead`
(per-block linear scores, then calibrated boosted trees; `stacking.py`). Either way
the explanations' words come from linear weights: the whole row's, or the word block's.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.pipeline import Pipeline

from .encoding import Encoded
from .encoding import Encoder
from .features import Prepared
from .features import check_texts
from .features import prepare
from .rules import reasons_for
from .stacking import CompiledStack
from .stacking import StackedHead

LABELS = ("spam", "medical_claim")
REASON_WORDS = 3
#: Words too common to explain anything to a moderator (English and Spanish).
UNINFORMATIVE = ENGLISH_STOP_WORDS | {
    "de", "la", "que", "el", "en", "y", "a", "los", "se", "del", "las", "un", "por", "con",
    "no", "una", "su", "para", "es", "al", "lo", "como", "mas", "pero", "sus", "le", "ya",
    "o", "este", "si", "porque", "esta", "entre", "cuando", "muy", "sin", "sobre", "me",
    "mi", "yo", "te", "tu", "ha", "he", "hay", "k", "s", "t", "1", "urltoken", "emailtoken",
    "phonetoken", "com", "net", "org", "www", "http", "https",
}  # fmt: skip


@dataclass(frozen=True)
class LabelScore:
    label: str
    probability: float
    threshold: float
    #: Rules in plain words ("phone number"), then the comment's own words that pushed it up.
    reasons: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.probability >= self.threshold


@dataclass(frozen=True)
class Scores:
    spam: LabelScore
    medical_claim: LabelScore

    def by_label(self) -> tuple[LabelScore, LabelScore]:
        return (self.spam, self.medical_claim)


@dataclass
class Classifier:
    """The loaded or freshly trained model that the worker calls."""

    features: Pipeline
    heads: Mapping[str, Any]
    thresholds: Mapping[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._encoder = Encoder(self.features)
        width = self._encoder.width
        self._compiled: dict[str, CompiledHead | None] = {}
        self._weights: dict[str, np.ndarray | None] = {}
        # Both labels' stages in one pass: one product, one comparison with every split.
        self._stacks = CompiledStack.of_many([self.heads[label] for label in LABELS], width)
        for label in LABELS:
            head = self.heads[label]
            if isinstance(head, StackedHead):
                self._compiled[label] = None  # scored by self._stacks (or scikit-learn)
                self._weights[label] = head.word_weights(width)
            else:
                self._compiled[label] = CompiledHead.of(head)
                self._weights[label] = linear_weights(head)

    @property
    def version(self) -> str:
        return str(self.metadata.get("id", "unsaved"))

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return self._probabilities(self._encoder.encode(self._prepare(texts)))

    def _prepare(self, texts: Sequence[str]) -> list[Prepared]:
        return [prepare(text) for text in check_texts(texts)]

    def _probabilities(self, encoded: Encoded) -> dict[str, np.ndarray]:
        if self._stacks is not None:
            both = self._stacks.predict_many(encoded)
            return {label: both[:, index] for index, label in enumerate(LABELS)}
        result = {}
        for label in LABELS:
            compiled = self._compiled[label]
            if compiled is not None:
                result[label] = compiled.predict_proba(encoded)
            else:
                result[label] = self.heads[label].predict_proba(encoded.matrix)[:, 1]
        return result

    def score(
        self, texts: Sequence[str], thresholds: Mapping[str, float | None] | None = None
    ) -> list[Scores]:
        """Score texts; `thresholds` overrides the model's own per label when not None."""
        overrides = thresholds or {}
        chosen: dict[str, float] = {}
        for label in LABELS:
            override = overrides.get(label)
            chosen[label] = self.thresholds[label] if override is None else override
        prepared = self._prepare(texts)
        encoded = self._encoder.encode(prepared)
        probabilities = self._probabilities(encoded)
        results = []
        for index, item in enumerate(prepared):
            row_columns, row_values = encoded.row(index)
            columns = encoded.term_columns[index]
            # Each word n-gram's TF-IDF value in this comment's row (every one is present).
            values = row_values[np.searchsorted(row_columns, columns)]
            per_label = {}
            for label in LABELS:
                weights = self._weights[label]
                pushes = values * weights[columns] if weights is not None else None
                per_label[label] = LabelScore(
                    label=label,
                    probability=float(probabilities[label][index]),
                    threshold=float(chosen[label]),
                    reasons=self.explain(label, item, encoded.terms[index], pushes),
                )
            results.append(Scores(**per_label))
        return results

    def explain(
        self,
        label: str,
        item: Prepared,
        terms: Sequence[str],
        pushes: np.ndarray | None,
        top: int = REASON_WORDS,
    ) -> tuple[str, ...]:
        """Rule reasons for `label`, then the word n-grams with the largest positive push.

        `pushes` holds each of `terms`' contribution to the label's decision (its
        TF-IDF value times the model's weight), or None for a non-linear head.
        """
        reasons = reasons_for(label, item.normalized, item.hits)
        if pushes is None or not len(terms):
            return tuple(reasons)
        words: list[str] = []
        up = np.flatnonzero(pushes > 0)  # only these can be reasons: sort just them
        for i in up[np.argsort(-pushes[up], kind="stable")]:
            if len(words) == top:
                break
            term = terms[i]
            if all(token in UNINFORMATIVE for token in term.split()):
                continue
            words.append(term)
        return tuple(reasons + [f"'{word}'" for word in words])


@dataclass(frozen=True)
class CompiledHead:
    """A sigmoid-calibrated linear head reduced to arrays: one matrix product per batch.

    Computes exactly what `CalibratedClassifierCV.predict_proba` does for two classes
    (the mean over folds of expit(-(a * (x.w + b) + c))) without scikit-learn's
    per-call validation, which costs more than the arithmetic for one comment.
    """

    weights: np.ndarray  # (n_features, folds)
    intercepts: np.ndarray  # (folds,)
    slopes: np.ndarray  # (folds,)
    offsets: np.ndarray  # (folds,)

    @classmethod
    def of(cls, head: Any) -> CompiledHead | None:
        folds = getattr(head, "calibrated_classifiers_", None)
        if not folds or getattr(head, "method", None) != "sigmoid":
            return None
        estimators = [fold.estimator for fold in folds]
        if not all(getattr(e, "coef_", np.empty((2, 0))).shape[0] == 1 for e in estimators):
            return None
        return cls(
            weights=np.column_stack([np.ravel(e.coef_) for e in estimators]),
            intercepts=np.array([float(np.ravel(e.intercept_)[0]) for e in estimators]),
            slopes=np.array([float(fold.calibrators[0].a_) for fold in folds]),
            offsets=np.array([float(fold.calibrators[0].b_) for fold in folds]),
        )

    def predict_proba(self, rows: Encoded | sp.csr_matrix) -> np.ndarray:
        products = rows.dot(self.weights) if isinstance(rows, Encoded) else rows @ self.weights
        decision = np.asarray(products) + self.intercepts
        probability = expit(-(decision * self.slopes + self.offsets)).mean(axis=1)
        return np.asarray(np.minimum(probability, 1.0))


def linear_weights(head: Any) -> np.ndarray | None:
    """Per-feature weights of a linear head (averaged over calibration folds), else None."""
    estimators = [c.estimator for c in getattr(head, "calibrated_classifiers_", [])] or [head]
    coefficients = [getattr(estimator, "coef_", None) for estimator in estimators]
    if any(c is None for c in coefficients):
        return None
    return np.asarray(np.mean([np.asarray(c).ravel() for c in coefficients], axis=0))
