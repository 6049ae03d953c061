"""GET endpoints: a thread's published comments, and an author's own comment status."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.db import CommentStatus
from tests.factories import THREAD_URI
from tests.factories import make_comment
from tests.factories import make_thread
from tests.factories import payload

URL = "/api/v1/comments"
PUBLIC_FIELDS = {
    "id", "parent_id", "author", "website", "body", "html", "created", "deleted", "replies",
}  # fmt: skip


def walk(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for comment in comments:
        found.append(comment)
        found.extend(walk(comment["replies"]))
    return found


def test_only_published_comments_are_listed_with_nested_replies(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        root = make_comment(body="root")
        reply = make_comment(body="reply", parent_id=root.id)
        make_comment(body="reply to reply", parent_id=reply.id)
        for status in ("pending", "held", "rejected"):
            make_comment(body=f"hidden {status}", status=CommentStatus(status))
        hidden_parent = make_comment(body="unpublished later", status=CommentStatus.REJECTED)
        make_comment(body="orphan reply", parent_id=hidden_parent.id)
        make_comment(body="other thread", thread=make_thread("/blog/iv-therapy"))
    data = client.get(URL, query_string={"thread": THREAD_URI}).get_json()
    assert data["total"] == 3
    assert data["thread"] == {"uri": THREAD_URI, "title": "Ketamine for chronic pain"}
    [top] = data["comments"]
    assert top["body"] == "root"
    assert top["replies"][0]["body"] == "reply"
    assert top["replies"][0]["replies"][0]["body"] == "reply to reply"
    assert [c["body"] for c in walk(data["comments"])] == ["root", "reply", "reply to reply"]


def test_private_fields_never_appear(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        root = make_comment(email="secret@example.org", ip_hash="f" * 32)
        make_comment(parent_id=root.id, email="other@example.org")
    response = client.get(URL, query_string={"thread": THREAD_URI})
    for comment in walk(response.get_json()["comments"]):
        assert set(comment) == PUBLIC_FIELDS
    text = response.get_data(as_text=True)
    assert "example.org" not in text and "f" * 32 not in text


def test_pagination_and_sort(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        ids = [make_comment(body=f"comment {n}").id for n in range(5)]
        make_comment(body="a reply", parent_id=ids[0])
    first = client.get(URL, query_string={"thread": THREAD_URI, "per_page": 2}).get_json()
    assert (first["total"], first["pages"], first["page"]) == (6, 3, 1)
    assert [c["id"] for c in first["comments"]] == ids[:2]
    assert len(first["comments"][0]["replies"]) == 1
    last = client.get(URL, query_string={"thread": THREAD_URI, "per_page": 2, "page": 3})
    assert [c["id"] for c in last.get_json()["comments"]] == ids[4:]
    beyond = client.get(URL, query_string={"thread": THREAD_URI, "page": 9}).get_json()
    assert beyond["comments"] == [] and beyond["total"] == 6
    newest = client.get(URL, query_string={"thread": THREAD_URI, "sort": "newest"}).get_json()
    assert [c["id"] for c in newest["comments"]] == ids[::-1]


def test_unknown_thread_is_empty_not_404(client: FlaskClient) -> None:
    data = client.get(URL, query_string={"thread": "/blog/new-article"}).get_json()
    assert data["total"] == 0 and data["comments"] == []


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"thread": ""},
        {"thread": THREAD_URI, "page": "0"},
        {"thread": THREAD_URI, "page": "abc"},
        {"thread": THREAD_URI, "per_page": "101"},
        {"thread": THREAD_URI, "sort": "random"},
    ],
)
def test_bad_list_queries_get_400(client: FlaskClient, query: dict[str, str]) -> None:
    response = client.get(URL, query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_author_reads_own_comment_status_with_token(client: FlaskClient) -> None:
    posted = client.post(URL, json=payload(email="me@example.org")).get_json()
    response = client.get(f"{URL}/{posted['id']}", query_string={"token": posted["token"]})
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "pending"
    assert data["thread"] == THREAD_URI
    assert "email" not in data and "ip_hash" not in data and "spam_score" not in data


def test_status_needs_the_matching_token(client: FlaskClient) -> None:
    first = client.post(URL, json=payload()).get_json()
    second = client.post(URL, json=payload()).get_json()
    for token in ("", "forged", second["token"]):
        response = client.get(f"{URL}/{first['id']}", query_string={"token": token})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "invalid_token"


def test_status_of_missing_comment_is_404(client: FlaskClient) -> None:
    response = client.get(f"{URL}/4242", query_string={"token": "x"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_cors_allows_only_configured_origins(app: Flask, client: FlaskClient) -> None:
    app.config["ALLOWED_ORIGINS"] = ["https://blog.example"]
    query = {"thread": THREAD_URI}
    allowed = client.get(URL, query_string=query, headers={"Origin": "https://blog.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get(URL, query_string=query, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        URL,
        headers={
            "Origin": "https://blog.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_listing_answers_304_until_something_changes(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_comment(body="first")
    query = {"thread": THREAD_URI}
    first = client.get(URL, query_string=query)
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    again = client.get(URL, query_string=query, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        make_comment(body="second")
    changed = client.get(URL, query_string=query, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["total"] == 2


def test_counts_for_article_lists(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_comment()
        make_comment()
        make_comment(status=CommentStatus.HELD)
        make_comment(thread=make_thread("/blog/nad-plus"))
    response = client.get(
        "/api/v1/counts", query_string=[("thread", THREAD_URI), ("thread", "/blog/nad-plus"),
                                        ("thread", "/blog/none")],
    )  # fmt: skip
    assert response.get_json() == {THREAD_URI: 2, "/blog/nad-plus": 1, "/blog/none": 0}
    assert client.get("/api/v1/counts").status_code == 400
