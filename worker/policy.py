"""The decision policy: from the classifier's scores to a status and human-readable reasons."""

from __future__ import annotations

from dataclasses import dataclass

from models import LabelScore
from models import Scores
from service.db import CommentStatus

LABEL_NAMES = {"spam": "spam", "medical_claim": "medical claim"}
CLASSIFIER_UNAVAILABLE = "classifier unavailable"


@dataclass(frozen=True)
class Verdict:
    status: CommentStatus
    reasons: list[str]


def describe(score: LabelScore) -> str:
    """E.g. "medical claim 0.88: stop your medication, 'cures'"."""
    text = f"{LABEL_NAMES[score.label]} {score.probability:.2f}"
    if score.reasons:
        text += ": " + ", ".join(score.reasons)
    return text


def decide(scores: Scores) -> Verdict:
    """Hold when any label reaches its threshold; otherwise publish."""
    flagged = [score for score in scores.by_label() if score.flagged]
    if flagged:
        return Verdict(CommentStatus.HELD, [describe(score) for score in flagged])
    return Verdict(CommentStatus.PUBLISHED, [])


def unavailable() -> Verdict:
    """Fail closed: without a classifier nothing unreviewed is published."""
    return Verdict(CommentStatus.HELD, [CLASSIFIER_UNAVAILABLE])
