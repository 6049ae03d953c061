"""JSON Schemas of the public API's bodies: one definition for the OpenAPI spec and the tests.

Request limits come from `validation.py` (the code that enforces them), so the spec
cannot promise other limits than the API applies. Responses describe what
`comments.public_comment`/`own_view`/`thread_listing` return; the test suite and the
schemathesis run validate real responses against these schemas.
"""

from __future__ import annotations

from typing import Any

from ..db import CommentStatus
from ..db import ReportReason
from .validation import ACCEPTED_KEYS
from .validation import AUTHOR_MAX
from .validation import BODY_MAX
from .validation import EMAIL_MAX
from .validation import ID_MAX
from .validation import THREAD_MAX
from .validation import TITLE_MAX
from .validation import URL_MAX
from .validation import WEBSITE_MAX

Schema = dict[str, Any]


def text(max_length: int, *, nullable: bool = False, **extra: Any) -> Schema:
    """A trimmed string of 1..max_length characters (null allowed for optional fields)."""
    schema: Schema = {"type": ["string", "null"] if nullable else "string"}
    schema |= {"minLength": 1, "maxLength": max_length, **extra}
    return schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


NO_NUL = "^[^\\x00]*$"
HTTP_URL = "^https?://[^\\s]+$"

NEW_COMMENT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["thread", "author", "body"],
    "properties": {
        "thread": text(THREAD_MAX, pattern="^/[^\\s\\x00]*$", description="The article's path."),
        "title": text(TITLE_MAX, nullable=True, pattern=NO_NUL),
        "url": text(URL_MAX, nullable=True, pattern=HTTP_URL),
        "author": text(AUTHOR_MAX, pattern=NO_NUL),
        "body": text(BODY_MAX, pattern=NO_NUL, description="Markdown subset; never shown raw."),
        "email": text(EMAIL_MAX, nullable=True, format="email", description="Never shown."),
        "website": text(WEBSITE_MAX, nullable=True, pattern=HTTP_URL),
        "parent_id": {"type": ["integer", "null"], "minimum": 1, "maximum": ID_MAX},
        "form_token": {"type": ["string", "null"], "description": "From the thread listing."},
        "notify_replies": {
            "type": "boolean",
            "description": "Email the author when a reply is published (needs `email`).",
        },
        "homepage": {"description": "Honeypot: leave it out or empty (any value marks a bot)."},
    },
}
EDIT_COMMENT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["body"],
    "properties": {"body": NEW_COMMENT["properties"]["body"]},
}
REPORT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reason"],
    "properties": {"reason": {"enum": [reason.value for reason in ReportReason]}},
}
#: The request bodies' keys must be the ones the validators accept.
assert set(NEW_COMMENT["properties"]) == ACCEPTED_KEYS

TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
PUBLIC_COMMENT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "parent_id", "author", "website", "body", "html", "created", "deleted"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "parent_id": {"type": ["integer", "null"]},
        "author": {"type": "string", "description": "Empty when deleted."},
        "website": {"type": ["string", "null"]},
        "body": {"type": "string"},
        "html": {"type": "string", "description": "Sanitised HTML rendered from the body."},
        "created": TIMESTAMP,
        "deleted": {"type": "boolean"},
    },
}
LISTED_COMMENT: Schema = {
    **PUBLIC_COMMENT,
    "required": [*PUBLIC_COMMENT["required"], "replies"],
    "properties": {
        **PUBLIC_COMMENT["properties"],
        "replies": {"type": "array", "items": ref("ListedComment")},
    },
}
OWN_COMMENT: Schema = {
    **PUBLIC_COMMENT,
    "required": [*PUBLIC_COMMENT["required"], "status", "thread", "edited"],
    "properties": {
        **PUBLIC_COMMENT["properties"],
        "status": {"enum": [status.value for status in CommentStatus]},
        "thread": {"type": "string"},
        "edited": {"anyOf": [TIMESTAMP, {"type": "null"}]},
    },
}
ACCEPTED: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "status", "token"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "status": {"const": CommentStatus.PENDING.value},
        "token": {"type": "string", "description": "Pass as ?token= to read, edit or delete."},
    },
}
THREAD_LISTING: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["thread", "total", "page", "per_page", "pages", "comments", "form_token"],
    "properties": {
        "thread": {
            "type": "object",
            "additionalProperties": False,
            "required": ["uri", "title"],
            "properties": {"uri": {"type": "string"}, "title": {"type": ["string", "null"]}},
        },
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 0},
        "comments": {"type": "array", "items": ref("ListedComment")},
        "form_token": {"type": "string"},
    },
}
COUNTS: Schema = {
    "type": "object",
    "description": "Published comments per requested thread URI.",
    "additionalProperties": {"type": "integer", "minimum": 0},
}
REPORTED: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reported"],
    "properties": {"reported": {"const": True}},
}
ERROR: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "One message per invalid field.",
                    "additionalProperties": {"type": "string"},
                },
            },
        }
    },
}
HEALTH: Schema = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"const": "ok"}},
}

# Staff pages poll these (their routes live in the moderation and admin blueprints).
QUEUE_COUNTS: Schema = {
    "type": "object",
    "required": ["counts", "comments"],
    "properties": {
        "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        "comments": {
            "type": "object",
            "description": "Status of the polled cards by id, and who decided them.",
            "additionalProperties": {
                "type": "object",
                "required": ["status", "by"],
                "properties": {
                    "status": {"enum": [status.value for status in CommentStatus]},
                    "by": {"type": ["string", "null"]},
                },
            },
        },
    },
}
TRAINING_RUN: Schema = {
    "type": "object",
    "required": ["id", "status", "finished"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string"},
        "step": {"type": ["string", "null"]},
        "percent": {"type": ["number", "null"]},
        "version": {"type": ["string", "null"]},
        "promoted": {"type": ["boolean", "null"]},
        "error": {"type": ["string", "null"]},
        "finished": {"type": "boolean"},
    },
}

#: Every named schema, as it appears under `components.schemas` in the spec.
SCHEMAS: dict[str, Schema] = {
    "NewComment": NEW_COMMENT,
    "EditComment": EDIT_COMMENT,
    "Report": REPORT,
    "Accepted": ACCEPTED,
    "PublicComment": PUBLIC_COMMENT,
    "ListedComment": LISTED_COMMENT,
    "OwnComment": OWN_COMMENT,
    "ThreadListing": THREAD_LISTING,
    "Counts": COUNTS,
    "Reported": REPORTED,
    "Error": ERROR,
    "Health": HEALTH,
    "QueueCounts": QUEUE_COUNTS,
    "TrainingRun": TRAINING_RUN,
}
