"""The API docs page renders the spec in chromium under a CSP that forbids inline script
and every other origin (Swagger UI's files come from the app itself)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import Response

pytestmark = pytest.mark.browser

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
#: `DOCS_SCREENSHOTS=1 pytest tests/browser/test_api_docs.py` refreshes the README's picture.
SCREENSHOT = Path(__file__).parents[2] / "docs" / "api-docs.png"


@pytest.fixture
def strict_csp_app(app: Flask) -> Flask:
    @app.after_request
    def add_csp(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    return app


def test_docs_page_renders_every_operation_under_a_strict_csp(
    strict_csp_app: Flask, service_url: str, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url))
    page.goto(f"{service_url}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for expected in ("/api/v1/comments", "/api/v1/comments/{comment_id}", "/api/v1/counts"):
        assert any(text.replace("\u200b", "") == expected for text in paths), paths
    page.locator(".opblock-summary-path", has_text="/api/v1/counts").first.click()
    page.wait_for_selector(".opblock-body", timeout=5_000)
    assert problems == []
    assert [url for url in outside if not url.startswith(service_url)] == []
    target = SCREENSHOT if os.environ.get("DOCS_SCREENSHOTS") else tmp_path / "api-docs.png"
    page.screenshot(path=str(target), full_page=False)
    page.close()
