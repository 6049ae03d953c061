"""The OpenAPI document and a Swagger UI page for it, under /api.

Swagger UI's files come from the `flask-swagger-ui` package (no CDN); the page loads
them and `static/api-docs.js` as files, so it works under a CSP without inline script.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import send_from_directory

from .openapi import build_spec

bp = Blueprint("apidocs", __name__)

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(build_spec(current_app.url_map))


@bp.get("/docs")
def docs_page() -> str:
    return render_template("api/docs.html")


@bp.get("/docs/assets/<path:filename>")
def docs_asset(filename: str) -> Response:
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=3600)
