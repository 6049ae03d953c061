"""Training: one TF-IDF + logistic regression pipeline per label."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .classifier import LABELS
from .classifier import Classifier
from .corpus import Example
from .features import build_features

RANDOM_STATE = 20261125
DEFAULT_THRESHOLD = 0.5


def build_pipeline(random_state: int = RANDOM_STATE) -> Pipeline:
    model = LogisticRegression(
        C=10.0, class_weight="balanced", max_iter=5000, random_state=random_state
    )
    return Pipeline([("features", build_features()), ("model", model)])


def fit(examples: Sequence[Example], random_state: int = RANDOM_STATE) -> Classifier:
    """Fit each label independently: a comment can be spam, a medical claim, both or neither."""
    texts = [example.text for example in examples]
    pipelines = {}
    for label in LABELS:
        targets = [example.label(label) for example in examples]
        if len(set(targets)) < 2:
            raise ValueError(f"training data needs both classes of {label!r}")
        pipelines[label] = build_pipeline(random_state).fit(texts, targets)
    return Classifier(pipelines=pipelines, thresholds=dict.fromkeys(LABELS, DEFAULT_THRESHOLD))
