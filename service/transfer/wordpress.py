"""WordPress WXR export (Tools → Export → All content): posts and pages with their comments."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ..db import CommentStatus
from .records import URI_MAX
from .records import URL_MAX
from .records import Source
from .records import SourceComment
from .records import SourceThread
from .records import UnreadableExport
from .records import clean_author
from .records import clean_email
from .records import clean_title
from .records import clean_website
from .records import html_to_text
from .xmltools import children
from .xmltools import local
from .xmltools import parse_time
from .xmltools import parse_xml
from .xmltools import text

#: comment_approved: "1" shown, "0" awaiting moderation, "spam" and "trash" removed.
STATUSES = {"1": CommentStatus.PUBLISHED, "0": CommentStatus.PENDING,
            "spam": CommentStatus.REJECTED}  # fmt: skip


def read_wordpress(path: Path) -> Source:
    root = parse_xml(path)
    channel = root.find("channel") if local(root.tag) == "rss" else None
    if channel is None:
        raise UnreadableExport("not a WordPress export (no <rss><channel>)")
    site = text(channel, "base_site_url") or text(channel, "link") or "wordpress"
    source = Source("wordpress")
    for item in children(channel, "item"):
        comments = children(item, "comment")
        if not comments:
            continue
        post_id = text(item, "post_id")
        thread_key = f"wordpress:{site}:post:{post_id}"
        link = text(item, "link")
        source.threads[thread_key] = SourceThread(
            key=thread_key,
            uri=thread_uri(link, post_id),
            title=clean_title(text(item, "title")),
            url=link if link.startswith(("http://", "https://")) and len(link) <= URL_MAX else None,
        )
        for element in comments:
            kind = text(element, "comment_type")
            if kind in {"pingback", "trackback"}:
                source.skipped[kind + "s"] += 1
                continue
            approved = text(element, "comment_approved")
            if approved not in STATUSES:
                source.skipped["trash" if approved == "trash" else "unknown state"] += 1
                continue
            created = parse_time(text(element, "comment_date_gmt")) or parse_time(
                text(element, "comment_date")
            )
            body = html_to_text(text(element, "comment_content"), keep_newlines=True)
            if created is None or not body:
                source.skipped["no date or no text"] += 1
                continue
            parent = text(element, "comment_parent")
            source.comments.append(
                SourceComment(
                    key=f"wordpress:{site}:{text(element, 'comment_id')}",
                    thread_key=thread_key,
                    parent_key=f"wordpress:{site}:{parent}" if parent not in {"", "0"} else None,
                    author=clean_author(text(element, "comment_author")),
                    email=clean_email(text(element, "comment_author_email")),
                    website=clean_website(text(element, "comment_author_url")),
                    body=body,
                    created_at=created,
                    status=STATUSES[approved],
                )
            )
    return source


def thread_uri(link: str, post_id: str) -> str:
    """The post's path (`/2024/03/ketamine/`); `/?p=12` when permalinks are plain."""
    parts = urlsplit(link)
    uri = parts.path or "/"
    if uri == "/" and parts.query:
        uri = f"/?{parts.query}"
    if uri == "/" and post_id:
        uri = f"/?p={post_id}"
    return "".join(uri.split())[:URI_MAX]
