"""Property tests: validation answers any JSON with a result or an ApiError, and normalisation
(for the classifier only) never raises, is idempotent and never changes what is stored."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from models.normalize import normalize_text
from service.api.validation import ACCEPTED_KEYS
from service.api.validation import AUTHOR_MAX
from service.api.validation import BODY_MAX
from service.api.validation import EMAIL_MAX
from service.api.validation import THREAD_MAX
from service.api.validation import TITLE_MAX
from service.api.validation import URL_MAX
from service.api.validation import WEBSITE_MAX
from service.api.validation import NewComment
from service.api.validation import is_http_url
from service.api.validation import parse_body
from service.api.validation import parse_new_comment
from service.db import Comment
from service.db import db
from service.errors import ApiError
from tests.factories import THREAD_URI

JSON_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
#: Objects using the real field names, with values of every shape and length around the limits.
FIELD_VALUES = (
    JSON
    | st.text(min_size=1, max_size=BODY_MAX + 10)
    | st.sampled_from(["/blog/a", "https://ok.example/x", "a@b.example", "javascript:x", " "])
)
PAYLOADS = JSON | st.dictionaries(st.sampled_from(sorted(ACCEPTED_KEYS)), FIELD_VALUES)
LIMITS = {"thread": THREAD_MAX, "title": TITLE_MAX, "url": URL_MAX, "author": AUTHOR_MAX,
          "body": BODY_MAX, "email": EMAIL_MAX, "website": WEBSITE_MAX}  # fmt: skip


@given(PAYLOADS)
@settings(max_examples=400, deadline=None)
@example({"thread": "/x", "author": "a", "body": "b", "parent_id": True})
@example({"thread": "/x", "author": "a", "body": "b", "website": "http://[::1"})
def test_any_json_is_accepted_within_limits_or_refused_with_an_api_error(payload: Any) -> None:
    try:
        new = parse_new_comment(payload)
    except ApiError as error:
        assert 400 <= error.status < 500
        return
    assert isinstance(new, NewComment)
    for name, limit in LIMITS.items():
        value = getattr(new, name)
        assert value is None or (isinstance(value, str) and 0 < len(value) <= limit), name
        assert value is None or "\x00" not in value
    assert new.thread.startswith("/") and not any(c.isspace() for c in new.thread)
    assert new.url is None or is_http_url(new.url)
    assert new.website is None or is_http_url(new.website)
    assert new.parent_id is None or (type(new.parent_id) is int and new.parent_id > 0)
    assert not set(payload) - ACCEPTED_KEYS


@given(JSON | st.text(max_size=BODY_MAX + 10))
@settings(max_examples=200, deadline=None)
def test_an_edited_body_is_text_within_the_limit_or_an_api_error(value: Any) -> None:
    try:
        body = parse_body(value)
    except ApiError as error:
        assert error.status == 422
        return
    assert 0 < len(body) <= BODY_MAX and body == value.strip()


@given(st.text())
@settings(max_examples=500, deadline=None)
@example("k 3 t 4 m 1 n 3 at cheap-pills.shop, call +1 (555) 010-9999")
@example("\u202ek\u200be\u0442a\u200dmine\ufeff")
def test_normalisation_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert isinstance(once, str)
    assert normalize_text(once) == once


VALID_BODY = st.text(min_size=1, max_size=300).filter(
    lambda s: s.strip() != "" and "\x00" not in s and len(s.strip()) <= BODY_MAX
)


@given(VALID_BODY)
@settings(max_examples=300, deadline=None)
def test_validation_keeps_the_text_as_written(body: str) -> None:
    new = parse_new_comment({"thread": "/blog/x", "author": "Ana", "body": body})
    assert new.body == body.strip()


_serial = itertools.count()


@given(body=VALID_BODY)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
def test_comments_are_stored_as_written_not_normalised(
    app: Flask, client: FlaskClient, body: str
) -> None:
    text = f"#{next(_serial)} {body}"  # a new text each time: never a duplicate post
    response = client.post("/api/v1/comments",
                           json={"thread": THREAD_URI, "author": "Ana", "body": text})  # fmt: skip
    assert response.status_code == 202, response.get_json()
    with app.app_context():
        stored = db.session.scalar(sa.select(Comment.body).where(Comment.id == response.json["id"]))
    assert stored == text.strip()
