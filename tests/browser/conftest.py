"""Browser fixtures: Debian's chromium driven by Playwright, the service on one port and
a blog page that embeds the widget on another, so every test is a cross-origin embed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from service.db import Comment
from service.db import CommentStatus
from service.db import db
from tests.factories import THREAD_URI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: Host-page CSS that would restyle the widget if its styles were not isolated.
HOSTILE_CSS = (
    "p, li, button, label { color: rgb(255, 0, 0) !important; font-size: 40px !important; }"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def serve_in_thread(server: Any) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def service_url(app: Flask) -> Iterator[str]:
    app.config.update(REQUIRE_FORM_TOKEN=True, MIN_SUBMIT_SECONDS=1.0)  # the widget's real path
    yield from serve_in_thread(make_server("127.0.0.1", 0, app, threaded=True))


class BlogPage(BaseHTTPRequestHandler):
    """A blog article on another origin: `/?lang=es` embeds the Spanish widget."""

    service = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        lang = ' data-lang="es"' if "lang=es" in self.path else ""
        html = f"""<!doctype html><html><head><meta charset="utf-8">
<style>{HOSTILE_CSS}</style></head><body>
<h1>How Does Ketamine Treatment Work for Chronic Pain?</h1><p>Article text.</p>
<p>Comments: <span id="count" data-comment-count="{THREAD_URI}">?</span></p>
<div id="comments"></div>
<script src="{self.service}/widget.js" data-thread="{THREAD_URI}" data-title="Ketamine"{lang}
 async></script></body></html>"""
        body = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def blog_url(app: Flask, service_url: str) -> Iterator[str]:
    handler = type("Handler", (BlogPage,), {"service": service_url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origin = f"http://127.0.0.1:{server.server_port}"
    app.config["ALLOWED_ORIGINS"] = [origin]
    yield from serve_in_thread(server)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.executed = []  # anything a hostile comment manages to run lands here
    page.on("dialog", lambda dialog: (page.executed.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.executed.append(f"error: {error}"))
    yield page
    context.close()


def set_status(app: Flask, comment_id: int, status: CommentStatus) -> None:
    """What a moderator's approval does to the row (the queue has its own tests)."""
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.id == comment_id).values(status=status))
        db.session.commit()


def host_count(page: Any) -> str:
    """The host page's comment count, once widget.js has filled it in: the count comes from
    its own request, which may answer after the widget's list has rendered."""
    page.wait_for_function("document.querySelector('#count').textContent !== '?'")
    return str(page.locator("#count").inner_text())


def open_blog(page: Any, url: str) -> Any:
    """The widget's root inside its shadow DOM (Playwright's CSS locators pierce it)."""
    page.goto(url)
    widget = page.locator("#comments section.cc")
    widget.wait_for()
    return widget
