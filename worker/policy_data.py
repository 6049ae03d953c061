"""Reading what the decision policy needs: the mode, the compiled lists, the commenter's history.

The lists are compiled once per worker process and kept until an admin changes one:
each task reads the single settings row (mode and `lists_version`) and rebuilds only
when the version differs from the cached one.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from service.db import Comment
from service.db import CommentStatus
from service.db import Label
from service.db import ListEntry
from service.db import ListKind
from service.db import ModerationDecision
from service.db import ModerationMode
from service.db import PolicySettings
from service.db import db
from service.policy import SETTINGS_ID

from .lists import Lists
from .policy import History
from .policy import Policy
from .policy import Submission

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Compiled:
    version: str
    lists: Lists


_cache: _Compiled | None = None
_lock = threading.Lock()


def load_policy() -> Policy:
    """The site's mode and lists; the lists come from the cache unless their version moved."""
    row = db.session.execute(
        sa.select(PolicySettings.mode, PolicySettings.lists_version).where(
            PolicySettings.id == SETTINGS_ID
        )
    ).first()
    mode, version = (row.mode, row.lists_version) if row else (ModerationMode.FLAGGED_ONLY, "")
    return Policy(
        mode=mode,
        lists=compiled_lists(version),
        trusted_min_approved=int(current_app.config["TRUSTED_MIN_APPROVED"]),
        trusted_claim_threshold=float(current_app.config["TRUSTED_CLAIM_THRESHOLD"]),
    )


def compiled_lists(version: str) -> Lists:
    global _cache
    cached = _cache
    if cached is not None and cached.version == version:
        return cached.lists
    with _lock:
        if _cache is None or _cache.version != version:
            entries: dict[ListKind, list[str]] = defaultdict(list)
            for kind, value in db.session.execute(sa.select(ListEntry.kind, ListEntry.value)):
                entries[kind].append(value)
            _cache = _Compiled(version, Lists.build(entries))
            log.info("compiled lists version %r (%d entries)", version,
                     sum(map(len, entries.values())))  # fmt: skip
        return _cache.lists


def submission_of(comment: Comment) -> Submission:
    return Submission(
        text=comment.body, email=comment.email, ip_hash=comment.ip_hash, website=comment.website
    )


def history_of(comment: Comment, policy: Policy) -> History:
    """Counts over the commenter's other comments; only those the mode and trust rules use."""
    approved = rejected = published = 0
    if not comment.email and policy.mode is not ModerationMode.PREMODERATE_FIRST:
        return History()  # the common case: nothing to count, no query to build
    others = Comment.id != comment.id
    if comment.email:
        approved = count(
            sa.select(sa.func.count(sa.distinct(Comment.id)))
            .join(ModerationDecision, ModerationDecision.comment_id == Comment.id)
            .where(others, Comment.email == comment.email, ModerationDecision.label == Label.HAM,
                   Comment.status == CommentStatus.PUBLISHED)
        )  # fmt: skip
        rejected = count(
            sa.select(sa.func.count()).where(
                others, Comment.email == comment.email, Comment.status == CommentStatus.REJECTED
            )
        )
    if policy.mode is ModerationMode.PREMODERATE_FIRST:
        if comment.email or comment.ip_hash:
            same = (
                Comment.email == comment.email
                if comment.email
                else Comment.ip_hash == comment.ip_hash
            )
            published = count(
                sa.select(sa.func.count()).where(
                    others, same, Comment.status == CommentStatus.PUBLISHED
                )
            )
    return History(approved=approved, rejected=rejected, published=published)


def count(query: sa.Select[tuple[int]]) -> int:
    return int(db.session.scalar(query) or 0)


def policy_inputs(
    comment: Comment, policy: Policy | None = None
) -> tuple[Submission, History, Policy]:
    """Everything `policy.decide` needs besides the scores, for one comment.

    A batch passes the policy it loaded once, so the settings row is read once per batch.
    """
    policy = policy or load_policy()
    return submission_of(comment), history_of(comment, policy), policy
