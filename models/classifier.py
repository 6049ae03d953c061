"""A trained classifier: one pipeline per label, its thresholds, and why it scored as it did."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.pipeline import Pipeline

from .features import WORDS
from .features import word_indices

LABELS = ("spam", "medical_claim")
REASON_WORDS = 3
#: Words too common to explain anything to a moderator (English and Spanish).
UNINFORMATIVE = ENGLISH_STOP_WORDS | {
    "de",
    "la",
    "que",
    "el",
    "en",
    "y",
    "a",
    "los",
    "se",
    "del",
    "las",
    "un",
    "por",
    "con",
    "no",
    "una",
    "su",
    "para",
    "es",
    "al",
    "lo",
    "como",
    "mas",
    "pero",
    "sus",
    "le",
    "ya",
    "o",
    "este",
    "si",
    "porque",
    "esta",
    "entre",
    "cuando",
    "muy",
    "sin",
    "sobre",
    "me",
    "mi",
    "yo",
    "te",
    "tu",
    "ha",
    "he",
    "hay",
    "k",
    "s",
    "t",
    "1",
}
#: Placeholders from normalisation, shown to moderators in plain words.
DISPLAY_NAMES = {"urltoken": "a link"}


@dataclass(frozen=True)
class LabelScore:
    label: str
    probability: float
    threshold: float
    #: Words or phrases of the comment that pushed this score up the most.
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

    pipelines: Mapping[str, Pipeline]
    thresholds: Mapping[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.metadata.get("id", "unsaved"))

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return {label: self.pipelines[label].predict_proba(list(texts))[:, 1] for label in LABELS}

    def score(
        self, texts: Sequence[str], thresholds: Mapping[str, float | None] | None = None
    ) -> list[Scores]:
        """Score texts; `thresholds` overrides the model's own per label when not None."""
        overrides = thresholds or {}
        chosen: dict[str, float] = {}
        for label in LABELS:
            override = overrides.get(label)
            chosen[label] = self.thresholds[label] if override is None else override
        probabilities = self.probabilities(texts)
        results = []
        for index, text in enumerate(texts):
            per_label = {
                label: LabelScore(
                    label=label,
                    probability=float(probabilities[label][index]),
                    threshold=float(chosen[label]),
                    reasons=self.explain(label, text),
                )
                for label in LABELS
            }
            results.append(Scores(**per_label))
        return results

    def explain(self, label: str, text: str, top: int = REASON_WORDS) -> tuple[str, ...]:
        """The word n-grams of `text` with the largest positive contribution to `label`."""
        pipeline = self.pipelines[label]
        words = dict(pipeline.named_steps["features"].transformer_list)[WORDS]
        terms = sorted(set(words.named_steps["hash"].build_analyzer()(text)))
        if not terms:
            return ()
        vector = words.transform([text]).toarray()[0]
        coefficients = pipeline.named_steps["model"].coef_[0][: len(vector)]
        columns = word_indices(words, terms)
        contributions = [vector[column] * coefficients[column] for column in columns]
        reasons: list[str] = []
        for i in np.argsort(contributions)[::-1]:
            if contributions[i] <= 0 or len(reasons) == top:
                break
            if all(token in UNINFORMATIVE for token in terms[i].split()):
                continue
            reasons.append(DISPLAY_NAMES.get(terms[i], terms[i]))
        return tuple(reasons)
