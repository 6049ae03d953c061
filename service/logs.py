"""Structured logs: one JSON object per line on stdout, with request, task and comment ids.

The ids come from context variables bound at the edges (a request in `logs_init_app`,
a task in the worker's signals), so a log call anywhere picks them up without passing
them along. Log ids, never comment bodies, emails or IP addresses: request lines carry
the path without its query string (status tokens live there) and no client address.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import request

#: Fields added to every line when known.
CONTEXT_FIELDS = ("request_id", "task_id", "comment_id")
_context: dict[str, ContextVar[Any]] = {
    name: ContextVar(name, default=None) for name in CONTEXT_FIELDS
}
REQUEST_ID_HEADER = "X-Request-ID"
#: A caller's request id is reused only if it is short and plain (it is echoed and logged).
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
#: The standard attributes of a LogRecord; anything else was passed with `extra=`.
RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

log = logging.getLogger(__name__)


def bind(**values: Any) -> None:
    """Attach ids (request_id, task_id, comment_id) to this context's following log lines."""
    for name, value in values.items():
        _context[name].set(value)


def clear() -> None:
    for var in _context.values():
        var.set(None)


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (a filter on the handler sees every logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _context.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ids..., "exception"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in RECORD_ATTRIBUTES and value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str) -> dict[str, Any]:
    """The dictConfig of every process: JSON lines on stdout, quiet werkzeug access lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["context"],
            }
        },
        # The development server's access lines start with the client's address.
        "loggers": {"werkzeug": {"level": "WARNING"}},
        "root": {"level": level, "handlers": ["stdout"]},
    }


def request_id_from(header: str | None) -> str:
    if header and VALID_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def logs_init_app(app: Flask) -> None:
    """Give each request an id (the caller's X-Request-ID or a new one), log and return it."""

    @app.before_request
    def bind_request() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        comment_id = (request.view_args or {}).get("comment_id")
        bind(request_id=g.request_id, comment_id=comment_id, task_id=None)

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 1)},
        )
        return response

    @app.teardown_request
    def unbind_request(_error: BaseException | None) -> None:
        clear()
