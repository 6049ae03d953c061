"""The widget's opt-in to reply emails, posted from a cross-origin blog page."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from service.db import Comment
from service.db import ReplySubscription
from service.db import db
from tests.browser.conftest import open_blog

pytestmark = pytest.mark.browser


def test_the_checkbox_subscribes_the_author_to_replies(
    app: Flask, page: Any, blog_url: str
) -> None:
    widget = open_blog(page, blog_url)
    page.wait_for_timeout(1100)  # a person takes longer than MIN_SUBMIT_SECONDS to type
    widget.get_by_label("Name", exact=True).fill("Inés")
    widget.get_by_label("Comment", exact=True).fill("Will you post the slides of the talk?")
    notify = widget.get_by_label("Notify me of replies by e-mail")
    notify.check()
    widget.get_by_role("button", name="Post comment").click()
    error = widget.locator("#cc-email-err")
    error.get_by_text("Needed to email you about replies").wait_for()

    widget.get_by_label("Email").fill("ines@example.org")
    widget.get_by_role("button", name="Post comment").click()
    widget.locator(".mine .badge").wait_for()
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        subscription = db.session.scalars(sa.select(ReplySubscription)).one()
        assert subscription.comment_id == comment.id and comment.email == "ines@example.org"


def test_spanish_label(page: Any, blog_url: str) -> None:
    widget = open_blog(page, blog_url + "/?lang=es")
    assert widget.get_by_label("Avísame por correo si alguien responde").is_visible()
