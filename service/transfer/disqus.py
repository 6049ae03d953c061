"""Disqus XML export (Moderation → Export): `<thread>`s, then `<post>`s pointing at them."""

from __future__ import annotations

from pathlib import Path

from ..db import CommentStatus
from .records import Source
from .records import SourceComment
from .records import SourceThread
from .records import UnreadableExport
from .records import clean_author
from .records import clean_email
from .records import clean_title
from .records import html_to_text
from .wordpress import thread_uri
from .xmltools import attribute
from .xmltools import children
from .xmltools import local
from .xmltools import parse_time
from .xmltools import parse_xml
from .xmltools import text

TRUE = "true"


def read_disqus(path: Path) -> Source:
    root = parse_xml(path)
    if local(root.tag) != "disqus":
        raise UnreadableExport("not a Disqus export (no <disqus> root)")
    source = Source("disqus")
    threads: dict[str, SourceThread] = {}
    for element in children(root, "thread"):
        forum = text(element, "forum") or "disqus"
        key = f"disqus:{forum}:thread:{attribute(element, 'id')}"
        link = text(element, "link")
        threads[attribute(element, "id")] = SourceThread(
            key=key,
            uri=thread_uri(link, attribute(element, "id")),
            title=clean_title(text(element, "title")),
            url=link if link.startswith(("http://", "https://")) else None,
        )
    for element in children(root, "post"):
        thread_refs = children(element, "thread")
        thread = threads.get(attribute(thread_refs[0], "id")) if thread_refs else None
        if thread is None:
            source.skipped["unknown thread"] += 1
            continue
        forum = thread.key.split(":")[1]
        deleted = text(element, "isDeleted") == TRUE
        created = parse_time(text(element, "createdAt"))
        body = "" if deleted else html_to_text(text(element, "message"), keep_newlines=False)
        if created is None or not (body or deleted):
            source.skipped["no date or no text"] += 1
            continue
        if text(element, "isSpam") == TRUE:
            status = CommentStatus.REJECTED
        elif text(element, "isApproved") == "false":
            status = CommentStatus.PENDING
        else:
            status = CommentStatus.PUBLISHED  # deleted ones stay as "[deleted]" under replies
        parent_refs = children(element, "parent")
        parent_id = attribute(parent_refs[0], "id") if parent_refs else ""
        author = element.find("{*}author")
        source.threads[thread.key] = thread
        source.comments.append(
            SourceComment(
                key=f"disqus:{forum}:{attribute(element, 'id')}",
                thread_key=thread.key,
                parent_key=f"disqus:{forum}:{parent_id}" if parent_id else None,
                author=clean_author(text(author, "name") if author is not None else ""),
                email=clean_email(text(author, "email") if author is not None else ""),
                website=None,  # Disqus exports have no website field
                body=body,
                created_at=created,
                status=status,
                deleted=deleted,
            )
        )
    return source
