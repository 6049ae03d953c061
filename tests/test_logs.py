"""JSON logs: ids on each line, a request id echoed to the caller, and never a comment's
body, its author's email or their IP address."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

import worker.signals  # noqa: F401  (binds task and comment ids around each task)
from service.logs import ContextFilter
from service.logs import JsonFormatter
from tests.factories import payload
from tests.test_worker import wait_until_decided

BODY = "My neighbour Zelda swears by it; how many infusions did you need? (unique-7f3a)"
EMAIL = "zelda.private@example.org"
IP = "203.0.113.77"


@pytest.mark.worker
def test_a_post_logs_ids_but_not_body_email_or_ip(
    app: Flask, client: FlaskClient, celery_worker: None
) -> None:
    raw = io.StringIO()
    handler = logging.StreamHandler(raw)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        response = client.post(
            "/api/v1/comments",
            json=payload(body=BODY, email=EMAIL),
            headers={"X-Request-ID": "req-1234"},
            environ_base={"REMOTE_ADDR": IP},
        )
        assert response.status_code == 202
        comment_id = response.json["id"]
        wait_until_decided(app, [comment_id])
        failed = client.post("/api/v1/comments", json=payload(body=BODY, email="not an email"))
        assert failed.status_code == 422
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    text = raw.getvalue()
    assert BODY not in text and EMAIL not in text and IP not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert response.headers["X-Request-ID"] == "req-1234"
    web = [line for line in lines if line.get("request_id") == "req-1234"]
    assert any(line.get("comment_id") == comment_id for line in web), web
    assert any(line.get("status") == 202 and "duration_ms" in line for line in web)
    task = [line for line in lines if line.get("task_id")]
    assert task and all(line.get("comment_id") == comment_id for line in task), task
    assert all(not line.get("request_id") for line in task)
    second = failed.headers["X-Request-ID"]
    assert second != "req-1234" and len(second) == 32  # generated for the next request


@pytest.mark.parametrize("sent", ["", "a" * 65, "two words", "<script>"], ids=repr)
def test_an_unusable_request_id_is_replaced(client: FlaskClient, sent: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    echoed = response.headers["X-Request-ID"]
    assert echoed != sent and len(echoed) == 32
