"""Training data for a retrain: the seed corpus plus moderators' decisions, deduplicated.

Texts are compared after normalisation (`normalize_text`), so "B U Y now" and "buy now"
are one example. A moderator's label beats the seed corpus's, the newest decision beats
older ones, and every text labeled two ways is reported as a conflict. The newest
decisions are held out by time and evaluated together with the seed's fixed test split:
they are what the next comments will look like.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from .corpus import Example
from .corpus import split
from .normalize import normalize_text

#: Share of the (deduplicated) decisions, newest first, kept for evaluation.
HOLDOUT_SHARE = 0.2
#: (spam, medical_claim) per moderator label; "other" teaches neither label and is skipped.
LABEL_TARGETS = {
    "ham": (False, False),
    "spam": (True, False),
    "medical_claim": (False, True),
}
CONFLICTS_SHOWN = 50
TEXT_SHOWN = 300


@dataclass(frozen=True)
class Decision:
    """A moderator's label on a comment, as the worker reads it from the database."""

    comment_id: int
    text: str
    label: str
    decided_at: datetime
    moderator: str = ""


@dataclass
class TrainingData:
    train: list[Example]
    evaluation: list[Example]
    summary: dict[str, Any] = field(default_factory=dict)


def label_of(example: Example) -> str:
    if example.spam and example.medical_claim:
        return "spam+medical_claim"
    if example.spam:
        return "spam"
    return "medical_claim" if example.medical_claim else "ham"


def decision_example(decision: Decision, key: str) -> Example:
    spam, claim = LABEL_TARGETS[decision.label]
    group = "decision:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return Example(decision.text, spam, claim, "", group, source="decision")


def latest_per_comment(decisions: Iterable[Decision]) -> list[Decision]:
    """The last word on each comment (an approval later unpublished as spam is spam)."""
    latest: dict[int, Decision] = {}
    for decision in sorted(decisions, key=lambda d: d.decided_at):
        latest[decision.comment_id] = decision
    return sorted(latest.values(), key=lambda d: d.decided_at)


class _Labels:
    """Every label seen per normalised text, to report conflicts."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, set[str]]] = {}
        self.texts: dict[str, str] = {}

    def add(self, key: str, text: str, source: str, label: str) -> None:
        self.seen.setdefault(key, {}).setdefault(label, set()).add(source)
        self.texts.setdefault(key, text)

    def conflicts(self) -> list[dict[str, Any]]:
        found = []
        for key, labels in self.seen.items():
            if len(labels) > 1:
                found.append(
                    {
                        "text": self.texts[key][:TEXT_SHOWN],
                        "labels": {label: sorted(s) for label, s in sorted(labels.items())},
                    }
                )
        return found


def assemble(
    seed: Sequence[Example],
    decisions: Iterable[Decision],
    holdout_share: float = HOLDOUT_SHARE,
) -> TrainingData:
    """Deduplicate seed and decisions after normalisation; hold out the newest decisions."""
    labels = _Labels()
    seed_train, seed_test = split(seed)
    evaluation: dict[str, Example] = {}
    for example in seed_test:
        key = normalize_text(example.text)
        labels.add(key, example.text, "seed", label_of(example))
        evaluation.setdefault(key, example)
    train: dict[str, Example] = {}
    for example in seed_train:
        key = normalize_text(example.text)
        labels.add(key, example.text, "seed", label_of(example))
        train.setdefault(key, example)

    usable = [d for d in latest_per_comment(decisions) if d.label in LABEL_TARGETS]
    newest: dict[str, Decision] = {}
    for decision in usable:  # oldest first: a newer decision on the same text wins
        key = normalize_text(decision.text)
        labels.add(key, decision.text, "decision", decision.label)
        newest.pop(key, None)
        newest[key] = decision
    ordered = list(newest.items())
    held = math.floor(len(ordered) * holdout_share)
    cutoff = ordered[len(ordered) - held][1].decided_at if held else None
    for index, (key, decision) in enumerate(ordered):
        example = decision_example(decision, key)
        if index >= len(ordered) - held:
            evaluation[key] = example
            train.pop(key, None)
        elif key not in evaluation:
            train[key] = example
    for key in evaluation:  # a text under evaluation is never trained on
        train.pop(key, None)

    train_list = list(train.values())
    evaluation_list = list(evaluation.values())
    raw = len(seed) + len(usable)
    conflicts = labels.conflicts()
    summary = {
        "train": counts(train_list),
        "evaluation": counts(evaluation_list),
        "balance": balance(train_list),
        "raw_examples": raw,
        "duplicates_removed": raw - len(train_list) - len(evaluation_list),
        "decisions_used": len(usable),
        "decisions_held_out": held,
        "holdout_cutoff": cutoff.isoformat() if cutoff else None,
        "conflict_count": len(conflicts),
        "conflicts": conflicts[:CONFLICTS_SHOWN],
    }
    return TrainingData(train_list, evaluation_list, summary)


def counts(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    """{source: {label: n}}."""
    result: dict[str, dict[str, int]] = {}
    for example in examples:
        by_label = result.setdefault(example.source, {})
        label = label_of(example)
        by_label[label] = by_label.get(label, 0) + 1
    return result


def balance(examples: Sequence[Example]) -> dict[str, float]:
    """Share of positive examples per label."""
    total = max(len(examples), 1)
    return {
        "spam": round(sum(e.spam for e in examples) / total, 4),
        "medical_claim": round(sum(e.medical_claim for e in examples) / total, 4),
    }
