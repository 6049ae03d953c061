"""Thread ids by URI, remembered per web process.

A POST needs only its thread's id, and threads are never renamed: after an article's
first comment, looking its row up again on every post is a wasted database round trip.
A cached id whose row has gone (a database restored or wiped under a running web) makes
the insert fail its foreign key; the caller then forgets it and tries once more.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..db import Thread
from ..db import db
from .caches import Lru
from .caches import app_cache

#: Articles remembered per process; a blog has far fewer, so this only bounds a URI flood.
SIZE = 10_000


@dataclass(frozen=True)
class KnownThread:
    id: int
    titled: bool


def thread_ids() -> Lru[KnownThread]:
    return app_cache("thread_ids", SIZE)


def known_thread_id(uri: str, title: str | None) -> int | None:
    """The article's remembered thread id when posting to it writes nothing to its row
    (no title to fill); None otherwise, and `thread_id_for` takes over."""
    known = thread_ids().get(uri)
    if known is None or (title and not known.titled):
        return None
    return known.id


def thread_id_for(uri: str, title: str | None, url: str | None) -> int:
    """The article's thread id, creating the thread on its first comment.

    Safe against a concurrent first post of the same article (the unique URI decides).
    A title arriving later fills an untitled thread once.
    """
    known = thread_ids().get(uri)
    if known is not None:
        if title and not known.titled:
            fill_title(known.id, title)
            thread_ids().put(uri, KnownThread(known.id, titled=True))
        return known.id
    thread = db.session.scalar(sa.select(Thread).where(Thread.uri == uri))
    if thread is None:  # not remembered yet: this transaction may still roll back
        try:
            with db.session.begin_nested():
                thread = Thread(uri=uri, title=title, url=url)
                db.session.add(thread)
        except sa.exc.IntegrityError:
            thread = db.session.scalars(sa.select(Thread).where(Thread.uri == uri)).one()
        return thread.id
    # A committed row: remember it. A title set now is remembered only once it is seen set.
    thread_ids().put(uri, KnownThread(thread.id, titled=thread.title is not None))
    if thread.title is None and title:
        thread.title = title
    return thread.id


def existing_thread_id(uri: str) -> int | None:
    """The article's thread id, or None when nobody has commented on it yet."""
    known = thread_ids().get(uri)
    if known is not None:
        return known.id
    row = db.session.execute(sa.select(Thread.id, Thread.title).where(Thread.uri == uri)).first()
    if row is None:
        return None
    thread_ids().put(uri, KnownThread(row.id, titled=row.title is not None))
    return int(row.id)


def fill_title(thread_id: int, title: str) -> None:
    db.session.execute(
        sa.update(Thread).where(Thread.id == thread_id, Thread.title.is_(None)).values(title=title)
    )


def forget_thread(uri: str) -> None:
    thread_ids().forget(uri)
