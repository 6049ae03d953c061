"""Plain factory functions for rows the tests need (call inside an app context)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import Comment
from service.db import CommentStatus
from service.db import Role
from service.db import StaffUser
from service.db import Thread
from service.db import db
from service.rendering import render_comment

THREAD_URI = "/blog/ketamine-chronic-pain"


def make_thread(uri: str = THREAD_URI, **overrides: Any) -> Thread:
    thread = db.session.scalar(sa.select(Thread).where(Thread.uri == uri))
    if thread is None:
        thread = Thread(
            uri=uri, title=overrides.pop("title", "Ketamine for chronic pain"), **overrides
        )
        db.session.add(thread)
        db.session.flush()
    return thread


def make_comment(**overrides: Any) -> Comment:
    """A committed comment; `status` defaults to published, `thread` to the demo article."""
    thread = overrides.pop("thread", None) or make_thread()
    values: dict[str, Any] = {
        "author": "Maria",
        "body": "Thank you for explaining this so clearly.",
        "email": "maria@example.org",
        "status": CommentStatus.PUBLISHED,
        "reasons": [],
        "ip_hash": "0" * 32,
    }
    values.update(overrides)
    values.setdefault("body_html", render_comment(values["body"]))
    comment = Comment(thread=thread, **values)
    db.session.add(comment)
    db.session.commit()
    return comment


_serial = itertools.count(1)


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST body for /api/v1/comments (a different text each time: no duplicates)."""
    body: dict[str, Any] = {
        "thread": THREAD_URI,
        "author": "Daniel",
        "body": f"How many infusions did it take before you felt a difference? ({next(_serial)})",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def reload_comment(app: Flask, comment_id: int) -> Comment:
    """The comment as stored now, detached so its attributes stay readable."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        db.session.expunge(comment)
        return comment


STAFF_PASSWORD = "correct horse battery staple"


def make_staff(email: str = "mod@clinic.example", role: str = "moderator") -> StaffUser:
    user = StaffUser(email=email, role=Role(role))
    user.set_password(STAFF_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on `path` (staff pages render one per form)."""
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = STAFF_PASSWORD, **kw: Any) -> Any:
    """Sign a staff user in through the real login form."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       **kw)  # fmt: skip
