"""The decision policy: from scores, lists and the site's mode to a status and readable reasons.

Pure: everything it needs arrives as arguments (`policy_data.load_policy` reads the
database), so each rule is tested without a worker. The order of the rules is the policy:

1. blocked email, IP hash, word or domain: rejected as spam (in every mode, with or
   without a classifier: these are the admins' own decisions, not the model's);
2. no classifier: held (fail closed);
3. trusted commenter: published, unless the medical-claim score is over the trusted threshold;
4. a score over its threshold, a watched word or domain, or a pre-moderation mode: held;
   in shadow mode published instead, with "shadow: would hold" and the same reasons kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import LabelScore
from models import Scores
from service.db import CommentStatus
from service.db import ModerationMode

from .lists import Lists
from .lists import link_hosts
from .lists import normalize_word

LABEL_NAMES = {"spam": "spam", "medical_claim": "medical claim"}
CLASSIFIER_UNAVAILABLE = "classifier unavailable"
SHADOW = "shadow: would hold"
TRUSTED = "trusted commenter"
PREMODERATE_ALL = "pre-moderation: every comment"
PREMODERATE_FIRST = "pre-moderation: first comment of a new commenter"


@dataclass(frozen=True)
class Verdict:
    status: CommentStatus
    reasons: list[str]


@dataclass(frozen=True)
class Submission:
    """What the comment says about itself."""

    text: str
    email: str | None = None
    ip_hash: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class History:
    """The commenter's earlier comments (by email; by IP hash for `published` without one)."""

    #: Comments by this email that a moderator approved and that are still published.
    approved: int = 0
    #: Comments by this email that were rejected, by a moderator or by the policy.
    rejected: int = 0
    #: Earlier published comments by this commenter: none makes them a new commenter.
    published: int = 0


@dataclass(frozen=True)
class Policy:
    """The site's settings: its mode, its compiled lists, and when to trust a commenter."""

    mode: ModerationMode = ModerationMode.FLAGGED_ONLY
    lists: Lists = Lists()
    trusted_min_approved: int = 3
    trusted_claim_threshold: float = 0.9


def describe(score: LabelScore) -> str:
    """E.g. "medical claim 0.88: stop your medication, 'cures'"."""
    text = f"{LABEL_NAMES[score.label]} {score.probability:.2f}"
    if score.reasons:
        text += ": " + ", ".join(score.reasons)
    return text


def decide(
    scores: Scores | None,
    submission: Submission | None = None,
    history: History | None = None,
    policy: Policy | None = None,
) -> Verdict:
    """Reject, hold or publish; `scores` is None when the classifier could not run."""
    submission = submission or Submission(text="")
    history = history or History()
    policy = policy or Policy()
    lists = policy.lists
    # Normalising costs as much as a tenth of scoring: only word lists read the result.
    words = lists.blocked_words or lists.watched_words
    text = normalize_word(submission.text) if words else ""
    hosts = link_hosts(submission.text, submission.website)

    blocked = blocked_reasons(submission, text, hosts, lists)
    if blocked:
        return Verdict(CommentStatus.REJECTED, blocked)
    if scores is None:
        return unavailable()
    if is_trusted(submission, history, policy):
        claim = scores.medical_claim
        if claim.probability <= policy.trusted_claim_threshold:
            return Verdict(CommentStatus.PUBLISHED, [TRUSTED])
        over = f"{TRUSTED}, but medical claim over {policy.trusted_claim_threshold:.2f}"
        return Verdict(CommentStatus.HELD, [over, describe(claim)])

    held = [describe(score) for score in scores.by_label() if score.flagged]
    held += [f"watched word: {word}" for word in lists.watched_words.find(text)]
    held += [f"watched domain: {domain}" for domain in lists.watched_domains.find(hosts)]
    if policy.mode is ModerationMode.PREMODERATE_ALL:
        held.append(PREMODERATE_ALL)
    elif policy.mode is ModerationMode.PREMODERATE_FIRST and history.published == 0:
        held.append(PREMODERATE_FIRST)
    if not held:
        return Verdict(CommentStatus.PUBLISHED, [])
    if policy.mode is ModerationMode.SHADOW:
        return Verdict(CommentStatus.PUBLISHED, [SHADOW, *held])
    return Verdict(CommentStatus.HELD, held)


def blocked_reasons(submission: Submission, text: str, hosts: list[str], lists: Lists) -> list[str]:
    """Why the comment is spam by the admins' lists (empty when it is not)."""
    reasons = []
    if submission.email and submission.email.casefold() in lists.blocked_emails:
        reasons.append("blocked email")
    if submission.ip_hash and submission.ip_hash.casefold() in lists.blocked_ips:
        reasons.append("blocked IP address")
    reasons += [f"blocked word: {word}" for word in lists.blocked_words.find(text)]
    reasons += [f"blocked domain: {domain}" for domain in lists.blocked_domains.find(hosts)]
    return [f"spam: {reason}" for reason in reasons]


def is_trusted(submission: Submission, history: History, policy: Policy) -> bool:
    """Listed by an admin, or N approved comments and never a rejected one."""
    if not submission.email:
        return False
    if submission.email.casefold() in policy.lists.trusted_emails:
        return True
    return history.rejected == 0 and history.approved >= policy.trusted_min_approved


def unavailable() -> Verdict:
    """Fail closed: without a classifier nothing unreviewed is published."""
    return Verdict(CommentStatus.HELD, [CLASSIFIER_UNAVAILABLE])
