"""Input validation for the public API: allow-listed keys, bounded lengths, clear field errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError
from email_validator import validate_email

from ..errors import ApiError

ACCEPTED_KEYS = frozenset(
    {"thread", "title", "url", "author", "body", "email", "website", "parent_id", "form_token"}
    | {"notify_replies"}
    | {"homepage"}  # the honeypot: a field people never see and bots fill in
)
AUTHOR_MAX = 80
BODY_MAX = 5000
THREAD_MAX = 500
TITLE_MAX = 200
URL_MAX = 2000
WEBSITE_MAX = 500
EMAIL_MAX = 254
#: The largest id the database's integer columns hold (a larger one must be a 404/422, not a 500).
ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class NewComment:
    thread: str
    title: str | None
    url: str | None
    author: str
    body: str
    email: str | None
    website: str | None
    parent_id: int | None
    form_token: str | None = None
    honeypot: str | None = None
    notify_replies: bool = False


def parse_new_comment(payload: Any) -> NewComment:
    """Validate a POST body; raise one ApiError naming every bad field."""
    if not isinstance(payload, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    errors: dict[str, str] = {}
    for key in sorted(set(payload) - ACCEPTED_KEYS):
        errors[str(key)[:50]] = "Unknown field."

    def text(name: str, *, required: bool, max_length: int) -> str | None:
        value = payload.get(name)
        if value is None:
            if required:
                errors[name] = "This field is required."
            return None
        if not isinstance(value, str):
            errors[name] = "Must be a string."
            return None
        value = value.strip()
        if "\x00" in value:
            errors[name] = "Must not contain NUL characters."
            return None
        if not value:
            if required:
                errors[name] = "Must not be empty."
            return None
        if len(value) > max_length:
            errors[name] = f"Must be at most {max_length} characters."
            return None
        return value

    thread = text("thread", required=True, max_length=THREAD_MAX)
    if thread is not None and (not thread.startswith("/") or any(c.isspace() for c in thread)):
        errors["thread"] = "Must be a URI path starting with '/' and without spaces."
    title = text("title", required=False, max_length=TITLE_MAX)
    url = text("url", required=False, max_length=URL_MAX)
    if url is not None and not is_http_url(url):
        errors["url"] = "Must be an http or https URL."
    author = text("author", required=True, max_length=AUTHOR_MAX)
    body = text("body", required=True, max_length=BODY_MAX)
    email = text("email", required=False, max_length=EMAIL_MAX)
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Must be a valid email address."
    website = text("website", required=False, max_length=WEBSITE_MAX)
    if website is not None and not is_http_url(website):
        errors["website"] = "Must be an http or https URL."
    parent_id = payload.get("parent_id")
    if parent_id is not None and (
        isinstance(parent_id, bool)
        or not isinstance(parent_id, int)
        or not 1 <= parent_id <= ID_MAX
    ):
        errors["parent_id"] = "Must be a positive integer."

    notify_replies = payload.get("notify_replies", False)
    if not isinstance(notify_replies, bool):
        errors["notify_replies"] = "Must be true or false."
    elif notify_replies and email is None and "email" not in errors:
        errors["email"] = "Needed to email you about replies."
    form_token = payload.get("form_token")
    if form_token is not None and not isinstance(form_token, str):
        errors["form_token"] = "Must be a string."
    honeypot = payload.get("homepage")
    if errors:
        raise ApiError(422, "Some fields are invalid.", fields=errors)
    assert thread is not None and author is not None and body is not None
    return NewComment(
        thread, title, url, author, body, email, website, parent_id, form_token,
        str(honeypot) if honeypot else None, notify_replies is True,
    )  # fmt: skip


def parse_body(value: Any) -> str:
    """A comment body on its own (for edits), with the same rules as a new comment's."""
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ApiError(422, "Some fields are invalid.", fields={"body": "Must be non-empty text."})
    if len(value.strip()) > BODY_MAX:
        raise ApiError(422, "Some fields are invalid.",
                       fields={"body": f"Must be at most {BODY_MAX} characters."})  # fmt: skip
    return value.strip()


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value
