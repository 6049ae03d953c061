"""The demo article with a comment form, and liveness / readiness probes."""

from __future__ import annotations

from flask import Response
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import send_from_directory

from ..readiness import readiness
from . import bp

WIDGET_MAX_AGE = 300
DEMO_ARTICLE = {
    "uri": "/blog/ketamine-chronic-pain",
    "title": "How Does Ketamine Treatment Work for Chronic Pain?",
}


@bp.get("/")
def demo_article() -> str:
    return render_template("pages/article.html", article=DEMO_ARTICLE)


@bp.get("/widget.js")
def widget_script() -> Response:
    """The embeddable widget, at a stable top-level URL for blogs' script tags."""
    response = send_from_directory(
        current_app.static_folder or "static", "widget.js", max_age=WIDGET_MAX_AGE
    )
    response.headers["Access-Control-Allow-Origin"] = "*"  # a public script, no credentials
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # hosts with COEP too
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """Alive: the process answers."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready: database, broker and active model (`readiness.py`); a 503 names what fails."""
    checks = readiness()
    failing = [name for name, state in checks.items() if state != "ok"]
    if failing:
        return jsonify(status="unavailable", failing=failing, checks=checks), 503
    return jsonify(status="ok", checks=checks), 200
