"""The OpenAPI 3.1 document, built from the app's own routes and `schemas.py`.

Paths and methods come from `app.url_map`, so a route cannot be documented at a path
it does not have; each endpoint's description lives in OPERATIONS below. A public
route without an entry is left out, and tests/test_openapi.py fails on it.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.routing import Map
from werkzeug.routing import Rule

from .schemas import SCHEMAS
from .schemas import Schema
from .schemas import ref

#: Routes under these prefixes are public and must be documented (plus DOCUMENTED_EXTRA);
#: staff routes are documented when OPERATIONS describes them (the JSON ones pages poll).
PUBLIC_PREFIXES = ("/api/",)
DOCUMENTED_EXTRA = frozenset({"/healthz"})
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def json_body(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    return {"description": description, **json_body(ref("Error"))}


def retry_error(description: str) -> dict[str, Any]:
    return error(description) | {"headers": {"Retry-After": {"schema": {"type": "string"}}}}


TOKEN = {
    "name": "token",
    "in": "query",
    "required": True,
    "description": "The status token returned when the comment was posted.",
    "schema": {"type": "string"},
}
THREAD_PARAM = {
    "name": "thread",
    "in": "query",
    "required": True,
    "description": "The article's path, as posted with its comments.",
    "schema": {"type": "string", "minLength": 1},
}
BAD_REQUEST = error("Malformed JSON or query parameters.")
NOT_FOUND = error("No such comment.")
FORBIDDEN = error("The token does not match, or the edit window is closed.")
UNPROCESSABLE = error("`fields` names every invalid field.")
UNSUPPORTED = error("The body is not application/json.")
WRONG_METHOD = error("The path belongs to another operation (see the Allow header).")
TOO_LARGE = error("The body is larger than MAX_CONTENT_LENGTH.")
RATE_LIMITED = retry_error("Too many posts from this address or to this thread.")
DATABASE_DOWN = retry_error("The database is unavailable; retry after Retry-After seconds.")

#: Each documented endpoint and method: summary, parameters, body and answers.
OPERATIONS: dict[str, dict[str, dict[str, Any]]] = {
    "api.post_comment": {
        "POST": {
            "summary": "Post a comment (stored as pending, then classified)",
            "tags": ["comments"],
            "requestBody": {"required": True, **json_body(ref("NewComment"))},
            "responses": {
                "202": {
                    "description": "Accepted for moderation (bots get the same answer).",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    **json_body(ref("Accepted")),
                },
                "400": BAD_REQUEST,
                "409": error("The same text from the same address in this thread today."),
                "413": TOO_LARGE,
                "415": UNSUPPORTED,
                "422": UNPROCESSABLE,
                "429": RATE_LIMITED,
                "503": DATABASE_DOWN,
            },
        }
    },
    "api.list_comments": {
        "GET": {
            "summary": "Published comments of a thread, replies nested",
            "tags": ["comments"],
            "parameters": [
                THREAD_PARAM,
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100_000},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                },
                {"name": "sort", "in": "query", "schema": {"enum": ["oldest", "newest"]}},
            ],  # fmt: skip
            "responses": {
                "200": {
                    "description": "One page of the thread, with a form token for posting.",
                    "headers": {"ETag": {"schema": {"type": "string"}}},
                    **json_body(ref("ThreadListing")),
                },
                "304": {"description": "Not modified since the ETag sent in If-None-Match."},
                "400": BAD_REQUEST,
                "503": DATABASE_DOWN,
            },
        }
    },
    "api.count_comments": {
        "GET": {
            "summary": "Published comment counts of up to 50 threads",
            "tags": ["comments"],
            "parameters": [
                THREAD_PARAM
                | {
                    "style": "form",
                    "explode": True,
                    "schema": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 1,
                        "maxItems": 50,
                    },
                }  # fmt: skip
            ],
            "responses": {
                "200": {"description": "Counts keyed by thread.", **json_body(ref("Counts"))},
                "400": BAD_REQUEST,
                "503": DATABASE_DOWN,
            },
        }
    },
    "api.get_own_comment": {
        "GET": {
            "summary": "The author's view of their comment, whatever its status",
            "tags": ["own comment"],
            "parameters": [TOKEN],
            "responses": {
                "200": {"description": "The comment.", **json_body(ref("OwnComment"))},
                "403": FORBIDDEN,
                "404": NOT_FOUND,
                "503": DATABASE_DOWN,
            },
        }
    },
    "api.edit_comment": {
        "PATCH": {
            "summary": "Edit within the edit window (classified again)",
            "tags": ["own comment"],
            "parameters": [TOKEN],
            "requestBody": {"required": True, **json_body(ref("EditComment"))},
            "responses": {
                "200": {"description": "The edited comment.", **json_body(ref("OwnComment"))},
                "400": BAD_REQUEST,
                "403": FORBIDDEN,
                "404": NOT_FOUND,
                "413": TOO_LARGE,
                "415": UNSUPPORTED,
                "422": UNPROCESSABLE,
                "503": DATABASE_DOWN,
            },
        }
    },
    "api.delete_comment": {
        "DELETE": {
            "summary": "Delete within the edit window",
            "tags": ["own comment"],
            "parameters": [TOKEN],
            "responses": {
                "204": {"description": "Deleted (shown as [deleted] if it has replies)."},
                "403": FORBIDDEN,
                "404": NOT_FOUND,
                "503": DATABASE_DOWN,
            },
        }
    },
    "api.report_comment": {
        "POST": {
            "summary": "Report a published comment (enough readers hold it for review)",
            "tags": ["comments"],
            "requestBody": {"required": True, **json_body(ref("Report"))},
            "responses": {
                "202": {"description": "Counted once per reader.", **json_body(ref("Reported"))},
                "400": BAD_REQUEST,
                "404": error("No such published comment."),
                "413": TOO_LARGE,
                "415": UNSUPPORTED,
                "422": UNPROCESSABLE,
                "503": DATABASE_DOWN,
            },
        }
    },
    "apidocs.openapi_json": {
        "GET": {
            "summary": "This document",
            "tags": ["documentation"],
            "responses": {"200": {"description": "OpenAPI 3.1", **json_body({"type": "object"})}},
        }
    },
    "apidocs.docs_page": {
        "GET": {
            "summary": "Interactive documentation (Swagger UI)",
            "tags": ["documentation"],
            "responses": {
                "200": {"description": "HTML", "content": {"text/html": {"schema": {}}}},
            },
        }
    },
    "apidocs.docs_asset": {
        "GET": {
            "summary": "Swagger UI's own files",
            "tags": ["documentation"],
            "responses": {
                "200": {"description": "A static file", "content": {"*/*": {"schema": {}}}},
                "404": error("No such file."),
            },
        }
    },
    # Staff JSON (signed-in session cookie; the endpoints exist once their features are merged).
    "moderation.live_counts": {
        "GET": {
            "summary": "Queue tab counts and the status of the cards on screen (polled)",
            "tags": ["staff"],
            "security": [{"staffSession": []}],
            "parameters": [
                {
                    "name": "ids",
                    "in": "query",
                    "description": "Comma-separated comment ids.",
                    "schema": {"type": "string"},
                },
            ],  # fmt: skip
            "responses": {
                "200": {"description": "Counts and statuses.", **json_body(ref("QueueCounts"))},
                "302": {"description": "Not signed in: to the login page."},
            },
        }
    },
    "admin.training_run": {
        "GET": {
            "summary": "Progress of a retraining run (admins; polled by the models page)",
            "tags": ["staff"],
            "security": [{"staffSession": []}],
            "responses": {
                "200": {"description": "The run.", **json_body(ref("TrainingRun"))},
                "302": {"description": "Not signed in: to the login page."},
                "403": {"description": "Not an admin."},
                "404": {"description": "No such run."},
            },
        }
    },
    "pages.healthz": {
        "GET": {
            "summary": "Liveness: the process answers",
            "tags": ["operations"],
            "responses": {"200": {"description": "Alive.", **json_body(ref("Health"))}},
        }
    },
}

CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
PARAMETER_TYPES: dict[str, Schema] = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number"},
}
MAXIMUM = re.compile(r"\bmax=(\d+)")


def is_public(rule: Rule) -> bool:
    return rule.rule.startswith(PUBLIC_PREFIXES) or rule.rule in DOCUMENTED_EXTRA


def path_of(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    """`/comments/<int:comment_id>` -> `/comments/{comment_id}` and its path parameter."""
    parameters = []
    for match in CONVERTER.finditer(rule.rule):
        schema: Schema = dict(PARAMETER_TYPES.get(match["converter"] or "", {"type": "string"}))
        if maximum := MAXIMUM.search(match["args"] or ""):
            schema["maximum"] = int(maximum[1])
        parameters.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return CONVERTER.sub(r"{\g<name>}", rule.rule), parameters


def build_spec(url_map: Map) -> dict[str, Any]:
    """The OpenAPI document of the public routes in an app's `url_map`."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(url_map.iter_rules(), key=lambda rule: rule.rule):
        documented = OPERATIONS.get(rule.endpoint, {})
        if not (is_public(rule) or documented):
            continue
        path, path_parameters = path_of(rule)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if method not in documented:
                continue
            operation = dict(documented[method])
            operation["operationId"] = f"{rule.endpoint}.{method.lower()}"
            if path_parameters:  # a path that fits another route's pattern: wrong method
                operation["responses"] = operation["responses"] | {"405": WRONG_METHOD}
            parameters = path_parameters + operation.get("parameters", [])
            if parameters:
                operation["parameters"] = parameters
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Clinic comments API",
            "version": "1",
            "description": (
                "Readers' comments for a blog: post, list, edit and report. Every error is "
                '`{"error": {"code", "message", "fields"?}}`.'
            ),
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "staffSession": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
