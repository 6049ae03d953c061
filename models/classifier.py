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
from functools import lru_cache
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
        terms = Terms.of(encoded)
        words = {label: terms.top(self._weights[label]) for label in LABELS}
        results = []
        for index, item in enumerate(prepared):
            per_label = {}
            for label in LABELS:
                reasons = reasons_for(label, item.normalized, item.hits)
                per_label[label] = LabelScore(
                    label=label,
                    probability=float(probabilities[label][index]),
                    threshold=float(chosen[label]),
                    reasons=tuple(reasons + [f"'{word}'" for word in words[label][index]]),
                )
            results.append(Scores(**per_label))
        return results


@dataclass(frozen=True)
class Terms:
    """A batch's word n-grams, flattened: which comment each is in, its column and its
    TF-IDF value there."""

    by_comment: list[list[str]]
    starts: list[int]
    owners: np.ndarray
    columns: np.ndarray
    values: np.ndarray

    #: Per comment, this many of the largest pushes are read first; most comments find
    #: their words among them, the rest read on (same result, less Python).
    FIRST_LOOK = 8

    @classmethod
    def of(cls, encoded: Encoded) -> Terms:
        owners, columns, values = encoded.term_values()
        starts = np.searchsorted(owners, np.arange(len(encoded.terms))).tolist()
        return cls(encoded.terms, starts, owners, columns, values)

    def top(self, weights: np.ndarray | None, count: int = REASON_WORDS) -> list[list[str]]:
        """Per comment, its informative n-grams with the largest positive push on a linear
        decision (TF-IDF value times weight), largest first; none without weights.

        One stable sort for the whole batch, by comment and then push, so ties keep the
        comment's n-gram order.
        """
        chosen: list[list[str]] = [[] for _ in self.by_comment]
        if weights is None:
            return chosen
        pushes = self.values * weights[self.columns]
        candidates = np.flatnonzero(pushes > 0)
        order = candidates[np.lexsort((-pushes[candidates], self.owners[candidates]))]
        owners = self.owners[order]
        first = np.arange(len(order)) - np.searchsorted(owners, owners) < self.FIRST_LOOK
        self._pick(chosen, owners[first].tolist(), order[first].tolist(), count)
        unread = np.bincount(owners, minlength=len(chosen)) > self.FIRST_LOOK
        short = [i for i in np.flatnonzero(unread).tolist() if len(chosen[i]) < count]
        if short:
            rest = ~first & np.isin(owners, short)
            self._pick(chosen, owners[rest].tolist(), order[rest].tolist(), count)
        return chosen

    def _pick(self, chosen: list[list[str]], owners: list[int], positions: list[int],
              count: int) -> None:  # fmt: skip
        for owner, position in zip(owners, positions, strict=True):
            words = chosen[owner]
            if len(words) < count:
                term = self.by_comment[owner][position - self.starts[owner]]
                if informative(term):
                    words.append(term)


@lru_cache(maxsize=100_000)
def informative(term: str) -> bool:
    """Whether a word n-gram tells a moderator anything (not only stop words or tokens)."""
    return not all(token in UNINFORMATIVE for token in term.split())


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
