"""Content-Security-Policy in chromium: the widget under a strict host policy, and our own pages
under ours, with no violation reported."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from service.db import CommentStatus
from tests.browser.conftest import HOSTILE_CSS
from tests.browser.conftest import BlogPage
from tests.browser.conftest import host_count
from tests.browser.conftest import open_blog
from tests.browser.conftest import serve_in_thread
from tests.browser.test_queue import sign_in
from tests.browser.test_widget import post_through_widget
from tests.browser.watch import seen
from tests.browser.watch import watch
from tests.factories import STAFF_PASSWORD
from tests.factories import make_comment
from tests.factories import make_staff

pytestmark = pytest.mark.browser


def host_policy(service: str) -> str:
    """A blog that trusts nothing but the comment service (and its own one stylesheet).

    The widget needs `script-src` and `connect-src` for the service and nothing for its
    styles: it uses a constructable stylesheet (adoptedStyleSheets), which CSP does not
    treat as inline style.
    """
    own_style = base64.b64encode(hashlib.sha256(HOSTILE_CSS.encode()).digest()).decode()
    return (
        f"default-src 'none'; script-src {service}; connect-src {service};"
        f" style-src 'sha256-{own_style}'; img-src 'none'; object-src 'none'; base-uri 'none'"
    )


class StrictBlogPage(BlogPage):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", host_policy(self.service))
        super().end_headers()


@pytest.fixture
def strict_blog_url(app: Flask, service_url: str) -> Iterator[str]:
    handler = type("Handler", (StrictBlogPage,), {"service": service_url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    app.config["ALLOWED_ORIGINS"] = [f"http://127.0.0.1:{server.server_port}"]
    yield from serve_in_thread(server)


def test_widget_lists_and_posts_under_a_strict_host_policy(
    app: Flask, page: Any, strict_blog_url: str
) -> None:
    with app.app_context():
        make_comment(author="Maria", body="My *first* infusion helped a little.")
    watch(page)
    widget = open_blog(page, strict_blog_url)
    widget.get_by_text("My first infusion").wait_for()
    first = widget.locator("li.c").first
    assert first.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"  # styled
    assert host_count(page) == "1"
    post_through_widget(app, page, widget, "Did it help with sleep too?")
    assert "Awaiting moderation" in widget.locator(".mine").inner_text()
    assert seen(page) == []


def test_the_host_policy_is_enforced_and_watched(page: Any, strict_blog_url: str) -> None:
    """The control: the same watch does report what the host policy blocks."""
    watch(page)
    open_blog(page, strict_blog_url)
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'alert(1)'; document.body.append(s); }"""
    )
    page.wait_for_function("window.__caught.length > 0")
    assert any(item.startswith("csp: script-src") for item in seen(page))


def test_our_pages_raise_no_violation(app: Flask, page: Any, service_url: str) -> None:
    with app.app_context():
        make_staff("mod@clinic.example", role="admin")
        make_comment(author="Maria", body="Published and *shown*.")
        make_comment(body="Held for review", status=CommentStatus.HELD, reasons=["spam 0.9"])
    watch(page)
    page.goto(f"{service_url}/")
    page.locator("#comments section.cc li.c").wait_for()
    page.goto(f"{service_url}/login")
    page.get_by_label("Password").fill(STAFF_PASSWORD + "x")
    page.get_by_label("Email").fill("mod@clinic.example")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Wrong email or password.").wait_for()
    sign_in(page, service_url)
    page.keyboard.press("?")  # queue.js runs: the shortcuts help opens
    assert page.locator("#shortcuts").is_visible()
    for path in ["/moderation/?tab=all", "/admin/audit", "/admin/privacy"]:
        page.goto(f"{service_url}{path}")
        page.locator("main h1, main .tabs").first.wait_for()
    assert seen(page) == []
