"""The XSS corpus, held and approved, never runs in the moderation queue nor in the widget.

Every comment field a reader controls carries hostile markup (name, website, body, thread
title, and the classifier's reasons quoting it). The page hooks alert/confirm/prompt,
console errors and CSP violations (tests/browser/watch.py), and the DOM inside each
comment is checked for elements and attributes that could run code.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from service.db import CommentStatus
from tests.browser.conftest import open_blog
from tests.browser.test_queue import sign_in
from tests.browser.watch import seen
from tests.browser.watch import watch
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import make_thread
from tests.test_rendering import XSS_CORPUS

pytestmark = pytest.mark.browser

HOSTILE_NAME = '<img src=x onerror=alert("author")>'
#: Elements that run code or load something, found inside a comment's own markup.
LIVE_CODE = """(roots) => roots.flatMap(root => [...root.querySelectorAll('*')])
    .filter(node => !node.closest('form.actions'))   // the staff's own decision form
    .filter(node =>
        ['SCRIPT', 'IMG', 'SVG', 'IFRAME', 'STYLE', 'FORM', 'MATH', 'OBJECT', 'EMBED', 'LINK']
            .includes(node.tagName.toUpperCase())
        || [...node.attributes].some(a => a.name.toLowerCase().startsWith('on')
                                          || a.name.toLowerCase() === 'style')
        || /^\\s*(javascript|data|vbscript):/i.test(node.getAttribute('href') || '')
        || /^\\s*(javascript|data|vbscript):/i.test(node.getAttribute('src') || ''))
    .map(node => node.outerHTML)"""


def post_corpus(app: Flask) -> None:
    """Each text of the corpus twice: held for review, and published (approved)."""
    with app.app_context():
        make_staff("mod@clinic.example")
        thread = make_thread(title='Ketamine <script>alert("title")</script>')
        for status in (CommentStatus.HELD, CommentStatus.PUBLISHED):
            for text in XSS_CORPUS:
                make_comment(
                    thread=thread, author=HOSTILE_NAME, body=text, status=status,
                    website="https://ok.example/\"><script>alert('site')</script>",
                    reasons=[f"spam 0.97: '{text[:20]}'", "<b onmouseover=alert('reason')>x</b>"],
                )  # fmt: skip


def test_hostile_comments_stay_inert_in_the_queue(app: Flask, page: Any, service_url: str) -> None:
    post_corpus(app)
    watch(page)
    sign_in(page, service_url)
    for tab, number in [("held", 1), ("published", 1), ("all", 1), ("all", 2)]:
        page.goto(f"{service_url}/moderation/?tab={tab}&page={number}")
        cards = page.locator("article.card")
        cards.first.wait_for()
        assert cards.evaluate_all(LIVE_CODE) == [], (tab, number)
        assert HOSTILE_NAME in cards.first.inner_text()  # shown as text, not stripped
    page.goto(f"{service_url}/moderation/?tab=held")
    assert XSS_CORPUS[0] in page.locator("article.card .card-body").first.inner_text()
    assert page.locator("script:not([src])").count() == 0
    assert seen(page) == []


def test_hostile_comments_stay_inert_in_the_widget(app: Flask, page: Any, blog_url: str) -> None:
    post_corpus(app)
    watch(page)
    widget = open_blog(page, blog_url)
    widget.locator("li.c").nth(19).wait_for()  # the first page of published ones
    widget.get_by_role("button", name="Load more comments").click()
    widget.locator("li.c").nth(len(XSS_CORPUS) - 1).wait_for()
    assert widget.locator("li.c").evaluate_all(LIVE_CODE) == []
    assert widget.locator("li.c").count() == len(XSS_CORPUS)  # the held copies stay hidden
    assert seen(page) == []
