"""Writing an import: threads matched by URI, replies linked, each source id imported once.

A dry run performs the same work inside a transaction and rolls it back, so its
summary is exactly what the real run would do, and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from ..db import Comment
from ..db import CommentStatus
from ..db import ImportKey
from ..db import ReplySubscription
from ..db import Thread
from ..db import db
from ..queue import enqueue_classification
from ..rendering import render_comment
from .records import Source
from .records import SourceComment
from .records import SourceThread

LOOKUP_CHUNK = 500
IMPORTED_REASON = "imported"


@dataclass
class Summary:
    format: str
    threads: int = 0
    new_threads: int = 0
    comments: int = 0
    replies: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    already_imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    queued: int = 0

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{name} {n}" for name, n in sorted(self.by_status.items()))
        skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(self.skipped.items()))
        return [
            f"threads: {self.threads} ({self.new_threads} new)",
            f"comments: {self.comments} ({self.comments - self.replies} top-level, "
            f"{self.replies} replies)",
            f"by status: {statuses or 'none'}",
            f"already imported: {self.already_imported}",
            f"skipped: {skipped or 'none'}",
            f"queued for the classifier: {self.queued}",
        ]


def import_source(source: Source, *, dry_run: bool) -> Summary:
    """Store the source's comments (pending ones are queued for the classifier)."""
    summary = Summary(source.format, skipped=Counter(source.skipped))
    ids = existing_ids([comment.key for comment in source.comments])
    threads: dict[str, Thread] = {}
    pending: list[int] = []
    for item in parents_first(source.comments):
        if item.key in ids:
            summary.already_imported += 1
            continue
        thread = threads.get(item.thread_key)
        if thread is None:
            thread = threads[item.thread_key] = find_or_add_thread(
                source.threads[item.thread_key], summary
            )
        comment = new_comment(item, thread, ids.get(item.parent_key or ""))
        db.session.add(comment)
        db.session.flush()
        ids[item.key] = comment.id
        db.session.add(ImportKey(key=item.key, comment_id=comment.id))
        if item.notify_replies and comment.email:
            db.session.add(ReplySubscription(comment_id=comment.id))
        summary.comments += 1
        summary.replies += comment.parent_id is not None
        summary.by_status["deleted" if item.deleted else item.status.value] += 1
        if comment.status is CommentStatus.PENDING:
            pending.append(comment.id)
    summary.threads = len(threads)
    if dry_run:
        db.session.rollback()
        summary.queued = len(pending)  # what the real run would queue
        return summary
    db.session.commit()
    summary.queued = sum(enqueue_classification(comment_id) for comment_id in pending)
    return summary


def new_comment(item: SourceComment, thread: Thread, parent_id: int | None) -> Comment:
    decided = item.status is not CommentStatus.PENDING
    return Comment(
        thread=thread,
        parent_id=parent_id,
        author=item.author,
        email=item.email,
        website=item.website,
        body=item.body,
        body_html=render_comment(item.body) if item.body else "",
        created_at=item.created_at,
        status=item.status,
        reasons=[IMPORTED_REASON] if item.status is CommentStatus.REJECTED else [],
        decided_at=item.created_at if decided else None,
        deleted=item.deleted,
    )


def existing_ids(keys: list[str]) -> dict[str, int]:
    """Comments already imported from these source ids (a re-import skips them)."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        rows = db.session.execute(
            sa.select(ImportKey.key, ImportKey.comment_id).where(ImportKey.key.in_(chunk))
        )
        found.update({key: comment_id for key, comment_id in rows})
    return found


def find_or_add_thread(source: SourceThread, summary: Summary) -> Thread:
    thread = db.session.scalar(sa.select(Thread).where(Thread.uri == source.uri))
    if thread is None:
        thread = Thread(uri=source.uri, title=source.title, url=source.url)
        db.session.add(thread)
        summary.new_threads += 1
    return thread


def parents_first(comments: list[SourceComment]) -> list[SourceComment]:
    """Oldest first, but a parent always before its replies (exports are not always ordered)."""
    by_key = {comment.key: comment for comment in comments}
    ordered: list[SourceComment] = []
    placed: set[str] = set()
    for comment in sorted(comments, key=lambda c: (c.created_at, c.key)):
        chain: list[SourceComment] = []
        current: SourceComment | None = comment
        while current is not None and current.key not in placed and current not in chain:
            chain.append(current)
            current = by_key.get(current.parent_key or "")
        for item in reversed(chain):
            placed.add(item.key)
            ordered.append(item)
    return ordered
