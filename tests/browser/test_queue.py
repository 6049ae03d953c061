"""The moderation queue in a real browser: sign in, read why, decide with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from service.db import CommentStatus
from tests.browser.conftest import open_blog
from tests.browser.conftest import set_status
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
    keys_ready(page)


def keys_ready(page: Any) -> None:
    """After a page load, keys work once queue.js has run and focused a card (if any)."""
    page.wait_for_function(
        "!document.querySelector('.card')"
        " || (document.activeElement && document.activeElement.classList.contains('card'))"
    )


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
    keys_ready(page)
    page.keyboard.press("s")
    page.get_by_text(f"Comment {second}: rejected.").wait_for()
    assert "Nothing to review." in page.inner_text("main")
    assert reload_comment(app, first).status is CommentStatus.PUBLISHED
    assert reload_comment(app, second).status is CommentStatus.REJECTED
    widget = open_blog(page, blog_url)
    widget.get_by_text("Ketamine CURES my migraines").wait_for()
    assert "Cheap pills" not in widget.inner_text()


def test_bulk_approve_three_undo_then_reject_one_as_spam(
    app: Flask, page: Any, service_url: str
) -> None:
    with app.app_context():
        make_staff("mod@clinic.example")
        ids = [make_comment(body=f"Held comment number {n}", status=CommentStatus.HELD,
                            spam_score=0.7, reasons=["spam 0.70: 'number'"]).id
               for n in range(4)]  # fmt: skip
    sign_in(page, service_url)
    for _ in range(3):  # select the first three with the keyboard: x, then j
        page.keyboard.press("x")
        page.keyboard.press("j")
    assert page.locator("#selected-count").inner_text() == "3 selected"
    page.get_by_role("button", name="Approve selected").click()
    page.get_by_text("3 approved.", exact=True).wait_for()
    assert [reload_comment(app, i).status for i in ids] == [CommentStatus.PUBLISHED] * 3 + [
        CommentStatus.HELD
    ]
    assert page.locator(".card").count() == 1
    assert "Last action: 3 approved." in page.locator("#undo").inner_text()
    keys_ready(page)
    page.keyboard.press("u")
    page.get_by_text("Undone: 3 back to held.").wait_for()
    assert all(reload_comment(app, i).status is CommentStatus.HELD for i in ids)
    assert page.locator(".card").count() == 4
    page.locator(f"#c{ids[2]}").get_by_role("button", name="Reject: spam").click()
    page.get_by_text(f"Comment {ids[2]}: rejected.").wait_for()
    assert reload_comment(app, ids[2]).status is CommentStatus.REJECTED
    assert page.locator(".card").count() == 3
    assert page.executed == []


def test_poll_marks_cards_another_moderator_decided(
    app: Flask, page: Any, service_url: str
) -> None:
    with app.app_context():
        make_staff("mod@clinic.example")
        first = make_comment(body="First held", status=CommentStatus.HELD).id
        make_comment(body="Second held", status=CommentStatus.HELD)
    sign_in(page, service_url)
    assert page.locator(".tab-count[data-tab='held']").inner_text() == "2"
    set_status(app, first, CommentStatus.PUBLISHED)  # someone else's decision
    page.evaluate("window.queuePoll()")
    page.locator(f"#c{first}.decided").wait_for()
    assert page.locator(".tab-count[data-tab='held']").inner_text() == "1"
    assert page.locator(f"#c{first} .decided-note").inner_text() == "now published"
    assert page.locator(f"#c{first}").get_by_role("button", name="Approve").is_disabled()
    assert "decided by someone else" in page.locator("#live-status").inner_text()
