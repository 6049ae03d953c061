"""Honeypot, time to submit, rate limits and duplicates in front of the classifier."""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import CommentStatus
from service.db import db
from tests.conftest import REDIS_URL
from tests.factories import THREAD_URI
from tests.factories import payload
from tests.factories import reload_comment

URL = "/api/v1/comments"


def form_token(client: FlaskClient) -> str:
    token = client.get(URL, query_string={"thread": THREAD_URI}).get_json()["form_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture
def guarded(app: Flask) -> Flask:
    app.config.update(REQUIRE_FORM_TOKEN=True, MIN_SUBMIT_SECONDS=0.5)
    return app


def test_honeypot_gets_a_202_and_is_stored_rejected(app: Flask, client: FlaskClient) -> None:
    response = client.post(URL, json=payload(homepage="http://bot.example"))
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"  # indistinguishable for the bot
    comment = reload_comment(app, response.get_json()["id"])
    assert comment.status is CommentStatus.REJECTED
    assert comment.reasons == ["honeypot"]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_missing_or_forged_form_token_is_a_bot(
    guarded: Flask, client: FlaskClient, token: str | None
) -> None:
    response = client.post(URL, json=payload(form_token=token))
    assert response.status_code == 202
    assert reload_comment(guarded, response.get_json()["id"]).reasons == ["submitted too fast"]


def test_posting_faster_than_a_person_is_rejected_slower_is_pending(
    guarded: Flask, client: FlaskClient
) -> None:
    token = form_token(client)
    fast = client.post(URL, json=payload(form_token=token)).get_json()["id"]
    time.sleep(0.6)
    slow = client.post(URL, json=payload(form_token=token)).get_json()["id"]
    assert reload_comment(guarded, fast).status is CommentStatus.REJECTED
    assert reload_comment(guarded, slow).status is CommentStatus.PENDING


def test_duplicate_from_the_same_reader_is_409(app: Flask, client: FlaskClient) -> None:
    body = payload()
    first = client.post(URL, json=body)
    again = client.post(URL, json=body)
    assert first.status_code == 202
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "duplicate"
    other_reader = client.post(URL, json=body, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other_reader.status_code == 202


def test_the_duplicate_check_is_planned_for_each_post(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    """PostgreSQL keeps a generic plan after five runs of a prepared statement; made on a
    small table, the duplicate check's scanned every comment of the thread. Each run gets
    a plan of its own (service.db.plan_each_execution)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no plan cache")
    app.config.update(RATELIMIT_ENABLED=False)
    for number in range(12):
        assert client.post(URL, json=payload(body=f"Comment number {number}.")).status_code == 202
    with app.app_context():
        plans = db.session.execute(
            sa.text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE 'INSERT INTO comments%'"
            )
        ).one()
    assert plans.generic_plans == 0
    assert plans.custom_plans >= 6  # it was prepared, and run as such


def test_rate_limit_per_client_answers_429_with_retry_after(
    app: Flask, client: FlaskClient
) -> None:
    app.config["COMMENT_RATE_LIMIT"] = "3 per minute"
    statuses = [client.post(URL, json=payload()).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = client.post(URL, json=payload())
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    elsewhere = client.post(URL, json=payload(), environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert elsewhere.status_code == 202
    assert client.get(URL, query_string={"thread": THREAD_URI}).status_code == 200


def test_rate_limit_per_thread_whatever_the_address(app: Flask, client: FlaskClient) -> None:
    app.config["THREAD_RATE_LIMIT"] = "2 per minute"
    addresses = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    statuses = [
        client.post(URL, json=payload(), environ_base={"REMOTE_ADDR": a}).status_code
        for a in addresses
    ]
    assert statuses == [202, 202, 429]
    other_thread = client.post(URL, json=payload(thread="/blog/nad"))
    assert other_thread.status_code == 202


@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL not set: memory storage is tested above")
def test_rate_limits_are_shared_through_redis(make_app: Callable[..., Flask]) -> None:
    """Two app instances (two gunicorn workers) count against the same limit."""
    shared = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "COMMENT_RATE_LIMIT": "2 per minute",
    }
    first = make_app(**shared).test_client()
    second = make_app(**shared).test_client()
    assert first.post(URL, json=payload()).status_code == 202
    assert second.post(URL, json=payload()).status_code == 202
    assert first.post(URL, json=payload()).status_code == 429


def test_rate_limiting_switched_off_still_accepts_comments(make_app: Callable[..., Flask]) -> None:
    """RATELIMIT_ENABLED=false (benchmarks) must not break the views the limiter wrapped."""
    client = make_app(RATELIMIT_ENABLED=False, COMMENT_RATE_LIMIT="1 per minute").test_client()
    gc.collect()  # the wrapped views hold the limiter weakly
    assert [client.post(URL, json=payload()).status_code for _ in range(3)] == [202] * 3


def test_rate_limiting_switched_off_costs_nothing(make_app: Callable[..., Flask]) -> None:
    """Switched off, the limiter's wrappers would still run two checks per post: the
    views are left unwrapped instead."""
    from service.api.comments import post_comment

    assert make_app(RATELIMIT_ENABLED=False).view_functions["api.post_comment"] is post_comment
    assert make_app().view_functions["api.post_comment"] is not post_comment


def test_rate_limit_storage_down_does_not_fail_a_post(make_app: Callable[..., Flask]) -> None:
    """Redis restarting must not turn a POST into a 500 (limits count in memory meanwhile)."""
    client = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0").test_client()
    assert client.post(URL, json=payload()).status_code == 202
