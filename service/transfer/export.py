"""All comments of the site as one JSON document, for backups and for moving elsewhere."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..db import Comment
from ..db import Thread
from ..db import db
from ..db import utcnow

FORMAT = "clinic-comments/1"


def export_comments(thread_uri: str | None = None, include_private: bool = False) -> dict[str, Any]:
    """Threads with every comment in any status; emails only with `include_private`.

    IP hashes and classifier scores never leave: they mean nothing elsewhere.
    """
    query = sa.select(Thread).order_by(Thread.id)
    if thread_uri is not None:
        query = query.where(Thread.uri == thread_uri)
    threads = db.session.scalars(query).all()
    comments: dict[int, list[dict[str, Any]]] = {thread.id: [] for thread in threads}
    rows = db.session.scalars(
        sa.select(Comment)
        .where(Comment.thread_id.in_(list(comments)))
        .order_by(Comment.thread_id, Comment.id)
    )
    for comment in rows:
        comments[comment.thread_id].append(exported(comment, include_private))
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "threads": [
            {
                "uri": thread.uri,
                "title": thread.title,
                "url": thread.url,
                "created": iso(thread.created_at),
                "comments": comments[thread.id],
            }
            for thread in threads
        ],
    }


def exported(comment: Comment, include_private: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "website": comment.website,
        "body": comment.body,
        "html": comment.body_html,
        "status": comment.status.value,
        "reasons": comment.reasons,
        "deleted": comment.deleted,
        "created": iso(comment.created_at),
        "edited": iso(comment.edited_at),
        "decided": iso(comment.decided_at),
    }
    if include_private:
        record["email"] = comment.email
    return record


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the offset (SQLite hands back naive UTC times)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
