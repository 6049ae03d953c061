"""Isso's SQLite database (`comments.db`): threads and comments tables, Markdown text."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from datetime import datetime
from pathlib import Path

from ..db import CommentStatus
from .records import URI_MAX
from .records import Source
from .records import SourceComment
from .records import SourceThread
from .records import UnreadableExport
from .records import clean_author
from .records import clean_email
from .records import clean_title
from .records import clean_website

#: Isso's `mode`: 1 accepted, 2 waiting for moderation, 4 deleted (kept for its replies).
ACCEPTED, PENDING, DELETED = 1, 2, 4


def read_isso(path: Path) -> Source:
    if not path.is_file():
        raise UnreadableExport(f"{path} is not a file")
    source = Source("isso")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            threads = connection.execute("SELECT id, uri, title FROM threads").fetchall()
            rows = connection.execute(
                "SELECT tid, id, parent, created, mode, text, author, email, website, notification"
                " FROM comments ORDER BY id"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise UnreadableExport(f"not an Isso database: {error}") from None
    by_id = {}
    for thread_id, uri, title in threads:
        key = f"isso:thread:{thread_id}"
        by_id[thread_id] = SourceThread(key, "".join(str(uri).split())[:URI_MAX],
                                        clean_title(title), None)  # fmt: skip
    for tid, cid, parent, created, mode, body, author, email, website, notification in rows:
        thread = by_id.get(tid)
        if thread is None:
            source.skipped["unknown thread"] += 1
            continue
        deleted = mode == DELETED
        text = "" if deleted else str(body or "").replace("\r\n", "\n").strip()
        if not (text or deleted):
            source.skipped["no date or no text"] += 1
            continue
        source.threads[thread.key] = thread
        source.comments.append(
            SourceComment(
                key=f"isso:{cid}",
                thread_key=thread.key,
                parent_key=f"isso:{parent}" if parent else None,
                author=clean_author(author),
                email=clean_email(email),
                website=clean_website(website),
                body=text,  # Isso stores Markdown, like this service
                created_at=datetime.fromtimestamp(float(created), UTC),
                status=CommentStatus.PENDING if mode == PENDING else CommentStatus.PUBLISHED,
                deleted=deleted,
                notify_replies=bool(notification) and not deleted,
            )
        )
    return source
