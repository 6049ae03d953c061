"""Who posted: a salted hash of the client IP, and the author's status token."""

from __future__ import annotations

import hashlib
import hmac
import time
from functools import lru_cache

from flask import Request
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import Signer
from itsdangerous import URLSafeSerializer
from itsdangerous.encoding import base64_encode

TOKEN_SALT = "comment-status"


def client_ip(request: Request) -> str:
    """The client address, trusting `X-Forwarded-For` only for configured proxy hops."""
    hops = int(current_app.config["TRUSTED_PROXIES"])
    if hops > 0:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or ""


def hash_ip(ip: str) -> str:
    """Keyed hash: the same reader gets the same hash, but the IP cannot be read back.

    Keyed with IP_HASH_SALT, not SECRET_KEY, so rotating the session key does not
    scramble the hashes that rate limits, duplicates and reports compare.
    """
    key = current_app.config["IP_HASH_SALT"].encode()
    return hmac.new(key, b"ip:" + ip.encode(), hashlib.sha256).hexdigest()[:32]


def hash_email(email: str) -> str:
    """Keyed hash of an address (case-folded), for audit records that must not hold it."""
    key = current_app.config["IP_HASH_SALT"].encode()
    return hmac.new(key, b"email:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()


def status_serializer() -> URLSafeSerializer:
    """Checks status tokens (and defines them: `status_token` makes the same bytes)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


@lru_cache(maxsize=4)
def _status_signer(secret_key: str) -> Signer:
    return URLSafeSerializer(secret_key, salt=TOKEN_SALT).make_signer()


def status_token(comment_id: int) -> str:
    """A token that lets the author (and only them) read their own comment's status.

    The bytes `status_serializer().dumps(comment_id)` gives (an integer's JSON is its
    digits, and never compresses shorter), signed by a signer built once: ~4 µs instead
    of ~20 µs.
    """
    payload = base64_encode(str(int(comment_id)))
    return _status_signer(current_app.config["SECRET_KEY"]).sign(payload).decode()


def token_matches(token: str, comment_id: int) -> bool:
    try:
        return bool(status_serializer().loads(token) == comment_id)
    except BadSignature:
        return False


FORM_SALT = "comment-form"


def _form_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FORM_SALT)


def form_token() -> str:
    """A signed 'form shown at' time, handed out with the thread for the time-to-submit check."""
    return _form_serializer().dumps(round(time.time(), 3))


def form_age(token: str | None) -> float | None:
    """Seconds since `token` was issued, or None when missing, forged or too old."""
    if not token:
        return None
    try:
        issued = _form_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(issued, int | float):
        return None
    age = time.time() - float(issued)
    return age if 0 <= age <= current_app.config["FORM_TOKEN_MAX_AGE"] else None
