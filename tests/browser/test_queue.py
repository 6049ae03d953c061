"""The moderation queue in a real browser: sign in, read why, decide with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from service.db import CommentStatus
from tests.browser.conftest import open_blog
from tests.factories import STAFF_PASSWORD
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import reload_comment

pytestmark = pytest.mark.browser


def sign_in(page: Any, service_url: str) -> None:
    page.goto(f"{service_url}/moderation/")
    page.get_by_label("Email").fill("mod@clinic.example")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator(".tabs").wait_for()


def test_moderator_approves_with_the_keyboard_and_readers_see_it(
    app: Flask,
    page: Any,
    service_url: str,
    blog_url: str,  # noqa: F811
) -> None:
    with app.app_context():
        make_staff("mod@clinic.example")
        first = make_comment(body="Ketamine CURES my migraines, my pain is gone",
                             status=CommentStatus.HELD, medical_claim_score=0.93,
                             reasons=["medical claim 0.93: cure claim, 'cures'"]).id  # fmt: skip
        second = make_comment(body="Cheap pills, visit my shop", status=CommentStatus.HELD,
                              spam_score=0.99, reasons=["spam 0.99: 'shop'"]).id  # fmt: skip
    sign_in(page, service_url)
    card = page.locator(f"#c{first}")
    assert card.locator("mark").inner_text() == "CURES"
    assert "medical claim 0.93: cure claim" in card.inner_text()
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # the first (oldest) held comment has the focus
    page.get_by_text(f"Comment {first}: published.").wait_for()
    page.keyboard.press("s")
    page.get_by_text(f"Comment {second}: rejected.").wait_for()
    assert "Nothing to review." in page.inner_text("main")
    assert reload_comment(app, first).status is CommentStatus.PUBLISHED
    assert reload_comment(app, second).status is CommentStatus.REJECTED
    widget = open_blog(page, blog_url)
    widget.get_by_text("Ketamine CURES my migraines").wait_for()
    assert "Cheap pills" not in widget.inner_text()
