"""Error shapes outside the comment views, the demo page and the health probes."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from service import create_app


def test_unknown_api_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/comments")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unknown_page_is_html_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_database_down_is_503_with_retry_after(broker: dict[str, Any]) -> None:
    down = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": down, "CELERY": broker}
    )
    client = app.test_client()
    response = client.post(
        "/api/v1/comments", json={"thread": "/blog/x", "author": "a", "body": "b"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert "psycopg" not in response.get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "database" in ready.get_json()["failing"]


def test_demo_page_shows_the_article_and_form(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "How Does Ketamine Treatment Work for Chronic Pain?" in html
    assert 'data-thread="/blog/ketamine-chronic-pain"' in html
    assert '<div id="comments"></div>' in html and "/widget.js" in html


def test_health_probes(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
