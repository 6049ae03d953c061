"""Cheap defences in front of the classifier: honeypot, time to submit, rate limits, duplicates.

A bot that fills the honeypot or posts faster than a person can type gets the same
202 as everyone else, and its comment is stored as rejected spam: it learns nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import request
from flask_limiter import Limiter

from .db import Comment
from .db import Executor
from .db import text_prefix
from .db import utcnow
from .identity import client_ip
from .identity import form_age

HONEYPOT = "honeypot"
TOO_FAST = "submitted too fast"


def _client_key() -> str:
    return client_ip(request)


def _thread_key() -> str:
    payload = request.get_json(silent=True)
    thread = payload.get("thread") if isinstance(payload, dict) else None
    return f"thread:{thread}" if isinstance(thread, str) else "thread:?"


#: The views rate limited per client address and per thread (by endpoint name).
RATE_LIMITED_VIEWS = ("api.post_comment",)
LOGIN_VIEW = "auth.login"


def limiter_init_app(app: Flask) -> Limiter:
    """A limiter per app, reading RATELIMIT_* config (Redis storage when REDIS_URL is set).

    One instance per app rather than a module global: Flask-Limiter keeps the first
    app's storage settings on a shared instance, and tests build many apps.
    Call after the blueprints are registered.
    """
    limiter = Limiter(key_func=_client_key, app=app, headers_enabled=True)
    # The decorators below hold the limiter weakly, and with RATELIMIT_ENABLED=false
    # Flask-Limiter keeps no reference of its own: without this one every POST is a 500
    # after the next garbage collection (found by tests/test_fuzz.py).
    app.extensions["rate_limiter"] = limiter
    if not limiter.enabled:  # RATELIMIT_ENABLED=false: the views run unwrapped, at no cost
        return limiter
    for endpoint in RATE_LIMITED_VIEWS:
        view: Any = app.view_functions[endpoint]
        view = limiter.limit(post_limit, methods=["POST"])(view)
        view = limiter.limit(thread_limit, key_func=_thread_key, methods=["POST"])(view)
        app.view_functions[endpoint] = view
    login: Any = app.view_functions[LOGIN_VIEW]
    app.view_functions[LOGIN_VIEW] = limiter.limit(login_limit, methods=["POST"])(login)
    return limiter


def login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def post_limit() -> str:
    return str(current_app.config["COMMENT_RATE_LIMIT"])


def thread_limit() -> str:
    return str(current_app.config["THREAD_RATE_LIMIT"])


def bot_reason(honeypot: str | None, token: str | None) -> str | None:
    """Why this submission is a bot's, or None for a plausible person."""
    if honeypot:
        return HONEYPOT
    if not current_app.config["REQUIRE_FORM_TOKEN"]:
        return None
    age = form_age(token)
    if age is None or age < float(current_app.config["MIN_SUBMIT_SECONDS"]):
        return TOO_FAST
    return None


_comments = Comment.__table__
#: The columns a new comment is stored with: the keys `insert_unless_duplicate` takes.
NEW_COMMENT_COLUMNS = (
    "thread_id", "parent_id", "author", "email", "website", "body", "body_html", "created_at",
    "status", "reasons", "decided_at", "ip_hash", "user_agent", "deleted",
)  # fmt: skip


def _param(name: str, column: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=_comments.c[column].type)


_duplicate_body = _param("duplicate_body", "body")
#: An earlier comment with the same text from the same address in the same thread. Both
#: statements are built once: composing them per request cost more than executing them.
EARLIER_DUPLICATE = (
    sa.select(_comments.c.id)
    .where(
        _comments.c.thread_id == _param("duplicate_thread_id", "thread_id"),
        _comments.c.ip_hash == _param("duplicate_ip_hash", "ip_hash"),
        text_prefix(_comments.c.body) == text_prefix(_duplicate_body),
        _comments.c.body == _duplicate_body,
        _comments.c.created_at >= _param("duplicate_since", "created_at"),
    )
    .limit(1)
)
#: INSERT ... SELECT <the new row> WHERE NOT EXISTS (<an earlier duplicate>) RETURNING id.
INSERT_UNLESS_DUPLICATE = (
    sa.insert(_comments)
    .from_select(
        NEW_COMMENT_COLUMNS,
        sa.select(*(_param(name, name) for name in NEW_COMMENT_COLUMNS)).where(
            ~EARLIER_DUPLICATE.exists()
        ),
        include_defaults=False,
    )
    .returning(_comments.c.id)
)


def duplicate_of(executor: Executor, thread_id: int, ip_hash: str, body: str) -> int | None:
    """An earlier comment with the same text from the same address in the same thread."""
    return executor.scalar(EARLIER_DUPLICATE, duplicate_params(thread_id, ip_hash, body))


def insert_unless_duplicate(executor: Executor, values: dict[str, Any]) -> int | None:
    """INSERT the comment unless it duplicates an earlier one, in one statement; its id,
    or None for a duplicate (the check and the insert share one round trip).

    `values` holds exactly NEW_COMMENT_COLUMNS.
    """
    params = values | duplicate_params(values["thread_id"], values["ip_hash"], values["body"])
    inserted: int | None = executor.scalar(INSERT_UNLESS_DUPLICATE, params)
    return inserted


def duplicate_params(thread_id: int, ip_hash: str | None, body: str) -> dict[str, Any]:
    since = utcnow() - timedelta(seconds=float(current_app.config["DUPLICATE_WINDOW"]))
    return {
        "duplicate_thread_id": thread_id,
        "duplicate_ip_hash": ip_hash,
        "duplicate_body": body,
        "duplicate_since": since,
    }
