"""What every importer produces: threads and comments in one shape, whatever the source."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from html.parser import HTMLParser

from ..db import CommentStatus

AUTHOR_MAX = 80
EMAIL_MAX = 254
WEBSITE_MAX = 500
TITLE_MAX = 200
URI_MAX = 500
URL_MAX = 2000
ANONYMOUS = "Anonymous"


@dataclass(frozen=True)
class SourceThread:
    key: str
    uri: str
    title: str | None
    url: str | None


@dataclass(frozen=True)
class SourceComment:
    """One comment as the old system had it; `key` is unique across sources and sites."""

    key: str
    thread_key: str
    parent_key: str | None
    author: str
    email: str | None
    website: str | None
    body: str
    created_at: datetime
    status: CommentStatus
    deleted: bool = False
    notify_replies: bool = False


@dataclass
class Source:
    format: str
    threads: dict[str, SourceThread] = field(default_factory=dict)
    comments: list[SourceComment] = field(default_factory=list)
    #: Entries left out, by reason (pingbacks, trash, …).
    skipped: Counter[str] = field(default_factory=Counter)


class UnreadableExport(Exception):
    """The file cannot be read as the format it claims to be."""


def clean_author(value: str | None) -> str:
    author = " ".join((value or "").split())
    return author[:AUTHOR_MAX] or ANONYMOUS


def clean_email(value: str | None) -> str | None:
    email = (value or "").strip().lower()
    return email if "@" in email and len(email) <= EMAIL_MAX and " " not in email else None


def clean_website(value: str | None) -> str | None:
    from ..api.validation import is_http_url

    website = (value or "").strip()
    return website if website and len(website) <= WEBSITE_MAX and is_http_url(website) else None


def clean_title(value: str | None) -> str | None:
    title = " ".join((value or "").split())
    return title[:TITLE_MAX] or None


class _TextFromHtml(HTMLParser):
    """Comment HTML to the stored text form: paragraphs, line breaks, emphasis and links kept."""

    BLOCKS = {"p", "div", "ul", "ol", "pre", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    MARKS = {"em": "*", "i": "*", "strong": "**", "b": "**", "code": "`"}
    SKIP = {"script", "style"}

    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_newlines = keep_newlines
        self.parts: list[str] = []
        self.links: list[tuple[int, str | None]] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "blockquote":
            self.parts.append("\n\n> ")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.MARKS:
            self.parts.append(self.MARKS[tag])
        elif tag == "a":
            self.links.append((len(self.parts), dict(attrs).get("href")))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS or tag == "blockquote":
            self.parts.append("\n\n")
        elif tag in self.MARKS:
            self.parts.append(self.MARKS[tag])
        elif tag == "a" and self.links:
            start, href = self.links.pop()
            text = "".join(self.parts[start:]).strip()
            if href and re.match(r"https?://", href) and text:
                label = text.replace("[", "(").replace("]", ")")
                self.parts[start:] = [label if label == href else f"[{label}]({href})"]

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.keep_newlines:
            data = re.sub(r"\s+", " ", data)
        self.parts.append(data.replace("\r\n", "\n"))


def html_to_text(html: str, *, keep_newlines: bool) -> str:
    """Strip tags to text and keep the structure the Markdown subset can show.

    WordPress stores text with newlines and a few inline tags (`keep_newlines`);
    Disqus stores real HTML where whitespace means nothing and `<p>` makes paragraphs.
    """
    parser = _TextFromHtml(keep_newlines)
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() if not keep_newlines else line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
