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


#: Characters that can start Markdown syntax of the enabled rules, or that HTML escapes.
MARKUP_CHARACTERS = frozenset("*_[]<>`\\&")


def is_plain(text: str) -> bool:
    """One line of visible characters and spaces, none of them Markdown or HTML, with no
    space at either end: what most comments are, and what renders as itself."""
    # isprintable() is False for every line break, tab, control, format or space
    # character except the ASCII space.
    return text.isprintable() and text == text.strip() and MARKUP_CHARACTERS.isdisjoint(text)


def render_comment(text: str) -> str:
    """Markdown subset to sanitised HTML; images, raw HTML and unsafe URLs never survive.

    Plain text skips the parser and the sanitiser (~60 µs of a POST's CPU): it would come
    out of both as itself in a paragraph, as tests/test_rendering.py checks.
    """
    if text and is_plain(text):
        return f"<p>{text}</p>"
    return render_markdown(text)


def render_markdown(text: str) -> str:
    """The full path: parse the Markdown subset, then sanitise to the allow-list."""
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
