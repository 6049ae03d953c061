"""Comment text to safe HTML, rendered once when a comment is stored.

A small Markdown subset (paragraphs, line breaks, emphasis, links, quotes, inline
code) with raw HTML disabled, then sanitised by nh3 (the Ammonia sanitiser) to an
allow-list of tags: whatever the parser lets through, no script, event handler,
image or `javascript:` link reaches a reader.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_markdown = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False}).enable(
    ["emphasis", "link", "blockquote", "backticks", "newline", "escape", "entity"]
)


def render_comment(text: str) -> str:
    """Markdown subset to sanitised HTML; images, raw HTML and unsafe URLs never survive."""
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
