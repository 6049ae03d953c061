"""Error responses: JSON `{"error": {code, message, fields?}}` under /api, HTML pages elsewhere.

A 500 never shows exception text, and a database outage is a 503 with Retry-After
so clients retry instead of giving up.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException

from .db import db

log = logging.getLogger(__name__)

#: A short machine-readable code per HTTP status, for clients that switch on it.
STATUS_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
DATABASE_RETRY_AFTER = 5


class ApiError(Exception):
    """Raised by API views; rendered as the documented JSON error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, "error")
        self.fields = fields


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, message: str, *, code: str | None = None, fields: dict[str, str] | None = None
) -> Response:
    if not wants_json():
        html = render_template("errors/error.html", status=status, message=message)
        return Response(html, status=status, mimetype="text/html")
    error: dict[str, Any] = {"code": code or STATUS_CODES.get(status, "error"), "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify(error=error)
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message, code=error.code, fields=error.fields)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        response = error_response(status, error.description or error.name)
        for name, value in error.get_headers():
            if name.lower() in {"allow", "retry-after"}:
                response.headers[name] = value
        return response

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    @app.errorhandler(sqlalchemy.exc.InterfaceError)
    def handle_database_down(error: sqlalchemy.exc.DBAPIError) -> Response:
        log.warning("database unavailable: %s", type(error.orig).__name__)
        discard_session()
        response = error_response(503, "The database is unavailable; please retry shortly.")
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        discard_session()
        return error_response(500, "Something went wrong on our side.")


def discard_session() -> None:
    """Roll back whatever the failed request wrote; the database may itself be the failure."""
    try:
        db.session.rollback()
    except sqlalchemy.exc.SQLAlchemyError:
        log.warning("rollback failed; discarding the session")
        db.session.close()
