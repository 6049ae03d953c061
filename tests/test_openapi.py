"""The OpenAPI document: complete (every public route), valid, and true to real answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from jsonschema import FormatChecker
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from service.api.openapi import IGNORED_METHODS
from service.api.openapi import build_spec
from service.api.openapi import is_public
from service.api.schemas import SCHEMAS
from service.api.validation import ACCEPTED_KEYS
from service.db import CommentStatus
from tests.factories import THREAD_URI
from tests.factories import payload
from tests.test_worker import wait_until_decided

PATH_PARAMETER = re.compile(r"<(?:[^:>]+:)?(\w+)>")


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.is_json
    return response.get_json()  # type: ignore[no-any-return]


def test_every_public_route_and_method_is_in_the_spec(app: Flask, spec: dict[str, Any]) -> None:
    public = [rule for rule in app.url_map.iter_rules() if is_public(rule)]
    assert any(rule.rule.startswith("/api/v1/") for rule in public)
    missing = []
    for rule in public:
        path = PATH_PARAMETER.sub(r"{\1}", rule.rule)
        for method in (rule.methods or set()) - IGNORED_METHODS:
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_the_spec_is_openapi_31_with_valid_json_schemas(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    operation_ids = [
        operation["operationId"] for item in spec["paths"].values() for operation in item.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_the_new_comment_schema_names_exactly_the_fields_the_validator_accepts() -> None:
    assert set(SCHEMAS["NewComment"]["properties"]) == ACCEPTED_KEYS


def test_staff_json_endpoints_are_documented_once_their_routes_exist() -> None:
    """Staff routes are not public, but the JSON ones pages poll are in the spec, cookie-only."""
    url_map = Map([Rule("/moderation/counts", endpoint="moderation.live_counts", methods=["GET"]),
                   Rule("/moderation/", endpoint="moderation.queue", methods=["GET"])])  # fmt: skip
    paths = build_spec(url_map)["paths"]
    assert list(paths) == ["/moderation/counts"]
    assert paths["/moderation/counts"]["get"]["security"] == [{"staffSession": []}]


def conforms(spec: dict[str, Any], path: str, method: str, response: TestResponse) -> None:
    """Assert that a real answer is documented for this operation and matches its schema."""
    documented = spec["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, (path, method, response.status_code)
    content = documented[str(response.status_code)].get("content")
    if content is None:
        assert response.data == b""
        return
    assert "application/json" in content and response.is_json
    schema = content["application/json"]["schema"] | {"components": spec["components"]}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = [error.message for error in validator.iter_errors(response.get_json())]
    assert errors == [], (path, method, response.get_json())


@pytest.mark.worker
def test_real_answers_of_every_operation_match_the_spec(
    app: Flask, client: FlaskClient, spec: dict[str, Any], celery_worker: None
) -> None:
    own = "/api/v1/comments/{comment_id}"
    posted = client.post("/api/v1/comments", json=payload(email="reader@example.org"))
    conforms(spec, "/api/v1/comments", "post", posted)
    comment_id, token = posted.json["id"], posted.json["token"]
    assert wait_until_decided(app, [comment_id])[comment_id].status is CommentStatus.PUBLISHED

    reply = client.post(
        "/api/v1/comments",
        json=payload(
            body="Thank you, the part about the intake forms helped me.", parent_id=comment_id
        ),
    )
    reply_id = reply.json["id"]
    assert wait_until_decided(app, [reply_id])[reply_id].status is CommentStatus.PUBLISHED
    listing = client.get("/api/v1/comments", query_string={"thread": THREAD_URI})
    assert listing.json["comments"][0]["replies"], "a nested reply is part of what is checked"
    conforms(spec, "/api/v1/comments", "get", listing)
    etag = listing.headers["ETag"]
    unchanged = client.get(
        "/api/v1/comments", query_string={"thread": THREAD_URI}, headers={"If-None-Match": etag}
    )
    conforms(spec, "/api/v1/comments", "get", unchanged)
    counts = client.get("/api/v1/counts", query_string={"thread": [THREAD_URI, "/none"]})
    conforms(spec, "/api/v1/counts", "get", counts)

    url = f"/api/v1/comments/{comment_id}?token={token}"
    conforms(spec, own, "get", client.get(url))
    conforms(spec, own, "get", client.get(f"/api/v1/comments/{comment_id}?token=wrong"))
    conforms(spec, own, "get", client.get(f"/api/v1/comments/999999?token={token}"))
    reported = client.post(f"/api/v1/comments/{reply.json['id']}/reports", json={"reason": "spam"})
    conforms(spec, "/api/v1/comments/{comment_id}/reports", "post", reported)
    conforms(spec, own, "patch", client.patch(url, json={"body": "Edited: how many sessions?"}))
    conforms(spec, own, "patch", client.patch(url, json={"body": ""}))
    conforms(spec, own, "patch", client.patch(url, data="body", content_type="text/plain"))
    conforms(spec, own, "delete", client.delete(url))

    conforms(spec, "/api/v1/comments", "post", client.post("/api/v1/comments", json={}))
    conforms(spec, "/api/v1/comments", "post", client.post("/api/v1/comments", data=b"{"))
    conforms(spec, "/api/v1/comments", "get", client.get("/api/v1/comments"))
    conforms(spec, "/healthz", "get", client.get("/healthz"))


def test_docs_page_loads_swagger_ui_from_the_app_without_inline_script(
    client: FlaskClient,
) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(
        'src="/' in attributes and not body.strip() for attributes, body in scripts
    )
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        with client.get(asset) as response:
            assert response.status_code == 200, asset
