"""A commenter's data by email address: export it all, or erase it (GDPR articles 15 and 17).

Erasure blanks each of the person's comments in place rather than deleting the row:
replies written by others keep their parent, so threads stay whole, and the public
listing shows "[deleted]" where a reply needs it (and nothing where none does). The
blanked row keeps only ids, thread, times and status; the text, name, email, website,
IP hash and user agent are cleared, and the moderation decisions and reader reports on
those comments are deleted (they described the text, and decisions are training data).
One `PrivacyErasure` row records who erased how many comments, and when, with a keyed
hash of the address instead of the address.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .db import Comment
from .db import ModerationDecision
from .db import PrivacyErasure
from .db import Report
from .db import db
from .db import utcnow
from .identity import hash_email

log = logging.getLogger(__name__)


def comments_of(email: str) -> list[Comment]:
    """Every comment left with this address, whatever its case."""
    address = email.strip().lower()
    if not address:
        return []
    return list(
        db.session.scalars(
            sa.select(Comment).where(sa.func.lower(Comment.email) == address).order_by(Comment.id)
        )
    )


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(email: str) -> dict[str, Any]:
    """Everything stored about this address, as JSON-ready data (moderators are not named)."""
    comments = comments_of(email)
    ids = [comment.id for comment in comments]
    decisions = db.session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.comment_id.in_(ids))
        .order_by(ModerationDecision.id)
    ).all()
    reports = db.session.scalars(
        sa.select(Report).where(Report.comment_id.in_(ids)).order_by(Report.id)
    ).all()
    erasures = db.session.scalars(
        sa.select(PrivacyErasure)
        .where(PrivacyErasure.email_hash == hash_email(email))
        .order_by(PrivacyErasure.id)
    ).all()
    return {
        "email": email.strip(),
        "exported_at": utcnow().isoformat(),
        "comments": [
            {
                "id": c.id,
                "thread": c.thread.uri,
                "parent_id": c.parent_id,
                "author": c.author,
                "email": c.email,
                "website": c.website,
                "body": c.body,
                "created_at": _time(c.created_at),
                "edited_at": _time(c.edited_at),
                "status": c.status.value,
                "deleted": c.deleted,
                "reasons": list(c.reasons or []),
                "spam_score": c.spam_score,
                "medical_claim_score": c.medical_claim_score,
                "model_version": c.model_version,
                "ip_hash": c.ip_hash,
                "user_agent": c.user_agent,
                "decisions": [
                    {
                        "created_at": _time(d.created_at),
                        "action": d.action,
                        "from": d.from_status.value,
                        "to": d.to_status.value,
                        "label": d.label.value,
                        "note": d.note,
                    }
                    for d in decisions
                    if d.comment_id == c.id
                ],
                "reports": [
                    {"created_at": _time(r.created_at), "reason": r.reason.value}
                    for r in reports
                    if r.comment_id == c.id
                ],
            }
            for c in comments
        ],
        "erasures": [{"created_at": _time(e.created_at), "comments": e.comments} for e in erasures],
    }


def erase_data(email: str, actor: str) -> PrivacyErasure:
    """Blank this address's comments, drop their decisions and reports, record it; commit."""
    comments = comments_of(email)
    ids = [comment.id for comment in comments]
    if ids:
        decided = ModerationDecision.comment_id.in_(ids)
        db.session.execute(sa.delete(ModerationDecision).where(decided))
        db.session.execute(sa.delete(Report).where(Report.comment_id.in_(ids)))
    for comment in comments:
        comment.deleted = True
        comment.author = ""
        comment.email = None
        comment.website = None
        comment.body = ""
        comment.body_html = ""
        comment.reasons = []
        comment.ip_hash = None
        comment.user_agent = None
    erasure = PrivacyErasure(actor=actor, email_hash=hash_email(email), comments=len(ids))
    db.session.add(erasure)
    db.session.commit()
    log.info("privacy erasure %s: %s comments blanked", erasure.id, len(ids))
    return erasure
