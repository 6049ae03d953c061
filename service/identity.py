"""Who posted: a salted hash of the client IP, and the author's status token."""

from __future__ import annotations

import hashlib
import hmac

from flask import Request
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

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
    """Keyed hash: the same reader gets the same hash, but the IP cannot be read back."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"ip:" + ip.encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def status_token(comment_id: int) -> str:
    """A token that lets the author (and only them) read their own comment's status."""
    return _serializer().dumps(comment_id)


def token_matches(token: str, comment_id: int) -> bool:
    try:
        return bool(_serializer().loads(token) == comment_id)
    except BadSignature:
        return False
