"""The embeddable widget in a real browser, embedded on a blog page of another origin."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from service.db import Comment
from service.db import CommentStatus
from service.db import db
from tests.browser.conftest import host_count
from tests.browser.conftest import open_blog
from tests.browser.conftest import set_status
from tests.factories import make_comment
from tests.test_rendering import XSS_CORPUS

pytestmark = pytest.mark.browser


def test_cross_origin_embed_lists_published_comments_only(
    app: Flask, page: Any, blog_url: str
) -> None:
    with app.app_context():
        root = make_comment(author="Maria", body="My *first* infusion helped a little.")
        make_comment(author="Jon", body="Same for me.", parent_id=root.id)
        make_comment(author="Held", body="hidden", status=CommentStatus.HELD)
    widget = open_blog(page, blog_url)
    widget.get_by_text("Same for me.").wait_for()
    assert widget.locator("li.c").count() == 2
    assert widget.locator("ol.replies li.c").count() == 1
    assert widget.locator(".body em").inner_text() == "first"
    assert "hidden" not in widget.inner_text()
    assert widget.locator(".count").inner_text() == "2"
    assert host_count(page) == "2"
    assert widget.locator("time").first.get_attribute("title")  # exact time on hover


def test_post_shows_awaiting_moderation_then_published_for_everyone(
    app: Flask, page: Any, blog_url: str, browser: Any
) -> None:
    widget = open_blog(page, blog_url)
    page.wait_for_timeout(1100)  # a person takes longer than MIN_SUBMIT_SECONDS to type
    widget.get_by_label("Name", exact=True).fill("Lucía")
    widget.get_by_label("Comment", exact=True).fill("Does the first infusion hurt?")
    widget.get_by_role("button", name="Post comment").click()
    badge = widget.locator(".mine .badge")
    badge.wait_for()
    assert badge.inner_text() == "Awaiting moderation"
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        assert comment.status is CommentStatus.PENDING
        comment_id = comment.id
    other = browser.new_page()
    other_widget = open_blog(other, blog_url)
    assert "Does the first infusion hurt?" not in other_widget.inner_text()
    set_status(app, comment_id, CommentStatus.PUBLISHED)
    widget.locator(f"li.c:not(.mine)[data-id='{comment_id}']").wait_for(timeout=15000)
    other.reload()
    open_blog(other, blog_url).get_by_text("Does the first infusion hurt?").wait_for()
    other.close()


def test_held_comment_stays_visible_to_its_author_only(
    app: Flask, page: Any, blog_url: str
) -> None:
    widget = open_blog(page, blog_url)
    page.wait_for_timeout(1100)
    widget.get_by_label("Name", exact=True).fill("Pat")
    widget.get_by_label("Comment", exact=True).fill("ketamine cures everything")
    widget.get_by_role("button", name="Post comment").click()
    widget.locator(".mine").wait_for()
    with app.app_context():
        comment_id = db.session.scalars(sa.select(Comment.id)).one()
    set_status(app, comment_id, CommentStatus.HELD)
    widget.get_by_text("Held for review").wait_for(timeout=15000)
    page.reload()
    open_blog(page, blog_url).get_by_text("Held for review").wait_for()  # kept in localStorage


def test_reply_goes_under_its_parent(app: Flask, page: Any, blog_url: str) -> None:
    with app.app_context():
        parent_id = make_comment(author="Maria", body="Anyone tried NAD+ drips?").id
    widget = open_blog(page, blog_url)
    page.wait_for_timeout(1100)
    widget.get_by_role("button", name="Reply").click()
    assert "Replying to Maria" in widget.inner_text()
    widget.get_by_label("Name", exact=True).fill("Ana")
    widget.get_by_label("Comment", exact=True).fill("Yes, twice, it was fine.")
    widget.get_by_role("button", name="Post comment").click()
    widget.locator(".mine").wait_for()
    with app.app_context():
        reply = db.session.scalars(sa.select(Comment).where(Comment.author == "Ana")).one()
        assert reply.parent_id == parent_id
        reply_id = reply.id
    set_status(app, reply_id, CommentStatus.PUBLISHED)
    # The widget stops following a reply the classifier held (whether it is held first
    # depends on the worker's timing); a reader opening the page sees it where it belongs.
    widget = open_blog(page, blog_url)
    widget.locator(f"#comment-{parent_id} ol.replies #comment-{reply_id}").wait_for(timeout=15000)


def test_validation_error_is_shown_at_the_field(page: Any, blog_url: str) -> None:
    widget = open_blog(page, blog_url)
    widget.get_by_label("Name", exact=True).fill("Sam")
    widget.get_by_label("Email").fill("not-an-email")
    widget.get_by_label("Comment", exact=True).fill("hello")
    widget.get_by_role("button", name="Post comment").click()
    error = widget.locator("#cc-email-err")
    error.get_by_text("valid email").wait_for()
    assert widget.get_by_label("Email").get_attribute("aria-invalid") == "true"
    assert widget.locator("#cc-author-err").inner_text() == ""


def test_spanish_labels(page: Any, blog_url: str) -> None:
    widget = open_blog(page, blog_url + "/?lang=es")
    assert widget.get_by_role("button", name="Publicar comentario").is_visible()
    assert widget.get_by_label("Nombre", exact=True).is_visible()
    assert "Comentarios" in widget.inner_text()


def test_host_styles_do_not_leak_in(app: Flask, page: Any, blog_url: str) -> None:
    with app.app_context():
        make_comment(body="plain text")
    widget = open_blog(page, blog_url)
    body = widget.locator(".body p").first
    body.wait_for()
    assert body.evaluate("p => getComputedStyle(p).color") != "rgb(255, 0, 0)"
    assert body.evaluate("p => getComputedStyle(p).fontSize") != "40px"


def test_origins_not_allowed_get_no_comments(app: Flask, page: Any, blog_url: str) -> None:
    app.config["ALLOWED_ORIGINS"] = ["https://someone-else.example"]
    widget = open_blog(page, blog_url)
    widget.get_by_text("Something went wrong").wait_for()


def test_hostile_comments_never_execute(app: Flask, page: Any, blog_url: str) -> None:
    with app.app_context():
        for text in XSS_CORPUS:
            make_comment(author='<img src=x onerror=alert("author")>', body=text,
                         website="javascript:alert('site')")  # fmt: skip
    page.add_init_script("window.alert = m => { throw new Error('alert ran: ' + m); };")
    widget = open_blog(page, blog_url)
    widget.locator("li.c").nth(19).wait_for()  # the first page
    widget.get_by_role("button", name="Load more comments").click()
    widget.locator("li.c").nth(len(XSS_CORPUS) - 1).wait_for()
    assert widget.get_by_role("button", name="Load more comments").is_hidden()
    page.wait_for_timeout(500)
    assert page.executed == []
    live = widget.locator("li.c").evaluate_all(
        """items => items.flatMap(li => [...li.querySelectorAll('*')]).filter(node =>
            ['SCRIPT', 'IMG', 'SVG', 'IFRAME', 'STYLE', 'FORM', 'MATH']
                .includes(node.tagName.toUpperCase())
            || [...node.attributes].some(a => a.name.startsWith('on'))
            || /^\\s*(javascript|data|vbscript):/i.test(node.getAttribute('href') || '')
        ).map(node => node.outerHTML)"""
    )
    assert live == []


def post_through_widget(app: Flask, page: Any, widget: Any, text: str) -> int:
    page.wait_for_timeout(1100)
    widget.get_by_label("Name", exact=True).fill("Rosa")
    widget.get_by_label("Comment", exact=True).fill(text)
    widget.get_by_role("button", name="Post comment").click()
    widget.locator(".mine").wait_for()
    with app.app_context():
        comment_id: int = db.session.scalars(
            sa.select(Comment.id).where(Comment.body == text)
        ).one()
    return comment_id


def test_edit_within_the_window_is_checked_again(app: Flask, page: Any, blog_url: str) -> None:
    widget = open_blog(page, blog_url)
    comment_id = post_through_widget(app, page, widget, "Infusions helped me a bit.")
    set_status(app, comment_id, CommentStatus.PUBLISHED)
    published = widget.locator(f"li.c:not(.mine)[data-id='{comment_id}']")
    published.wait_for(timeout=15000)
    published.get_by_role("button", name="Edit").click()
    published.locator("textarea").fill("Infusions helped me **a lot**.")
    published.get_by_role("button", name="Save").click()
    widget.locator(f".mine[data-id='{comment_id}'] .badge").get_by_text(
        "Awaiting moderation"
    ).wait_for()
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        assert comment.status is CommentStatus.PENDING
        assert comment.body_html == "<p>Infusions helped me <strong>a lot</strong>.</p>"


def test_author_deletes_own_comment(app: Flask, page: Any, blog_url: str) -> None:
    widget = open_blog(page, blog_url)
    comment_id = post_through_widget(app, page, widget, "Posted by mistake.")
    mine = widget.locator(f".mine[data-id='{comment_id}']")
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Really delete?").click()
    mine.wait_for(state="detached")
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None and comment.deleted


def test_readers_report_a_comment_until_it_is_held(app: Flask, page: Any, blog_url: str) -> None:
    app.config["REPORT_THRESHOLD"] = 1
    with app.app_context():
        comment_id = make_comment(body="Buy cheap pills at my shop").id
    widget = open_blog(page, blog_url)
    item = widget.locator(f"#comment-{comment_id}")
    item.get_by_role("button", name="Report").click()
    item.get_by_label("Report").select_option("spam")
    item.get_by_role("button", name="Send report").click()
    item.get_by_text("Thanks, our staff will take a look.").wait_for()
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        assert comment.status is CommentStatus.HELD
        assert comment.reasons == ["reported by readers"]
