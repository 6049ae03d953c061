"""Cached thread listings are looked up by ETag, so every change a reader can see shows at once."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from service.db import CommentStatus
from service.db import db
from service.db import utcnow
from service.rendering import render_comment
from tests.factories import THREAD_URI
from tests.factories import make_comment

URL = "/api/v1/comments"


def bodies(client: FlaskClient) -> list[str]:
    response = client.get(URL, query_string={"thread": THREAD_URI})
    assert response.status_code == 200
    return [comment["html"] for comment in response.get_json()["comments"]]


def test_cached_listing_follows_publication_edits_and_unpublishing(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        first = make_comment(body="First words.").id
    assert bodies(client) == [render_comment("First words.")]
    assert bodies(client) == [render_comment("First words.")]  # served from the cache
    with app.app_context():
        second = make_comment(body="Second words.")
        second_id = second.id
    assert bodies(client) == [render_comment("First words."), render_comment("Second words.")]
    with app.app_context():
        edited = db.session.get(type(second), first)
        assert edited is not None
        edited.body_html = render_comment("Edited words.")
        edited.edited_at = utcnow()
        db.session.commit()
    assert bodies(client) == [render_comment("Edited words."), render_comment("Second words.")]
    with app.app_context():
        hidden = db.session.get(type(second), second_id)
        assert hidden is not None
        hidden.status = CommentStatus.REJECTED
        db.session.commit()
    assert bodies(client) == [render_comment("Edited words.")]


def test_cache_off_serves_the_same_listing(make_app: Callable[..., Flask]) -> None:
    app = make_app(LISTING_CACHE_SIZE=0)
    with app.app_context():
        make_comment(body="Only words.")
    client = app.test_client()
    assert bodies(client) == bodies(client) == [render_comment("Only words.")]
