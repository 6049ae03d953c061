"""Response headers that limit what a page of ours may load, and who may frame it.

The templates carry no inline script, handler or style attribute, so the policy can
forbid all of them: an injected `<script>` or `onerror=` would not run even if
escaping ever failed. The API keeps its own CORS headers (`api.allow_configured_origins`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Request
from flask import Response
from flask import has_request_context
from flask import request
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(frame_ancestors: list[str]) -> str:
    """Our pages load only our own scripts, styles and API; nothing inline, no plugins."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",  # the blank favicon is a data: URL
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": " ".join(frame_ancestors) or "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS.

    `SESSION_COOKIE_SECURE=true` forces it; without it, a deployment behind a TLS proxy
    still gets Secure cookies (the proxy's `X-Forwarded-Proto` is trusted for
    TRUSTED_PROXIES hops), and plain-HTTP development keeps working.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A request without the cookie (every API call) gets an empty session without
        building the signing serializer first."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def security_init_app(app: Flask) -> None:
    """Add the headers to every response, and HTTPS-aware session cookies."""
    app.session_interface = HttpsAwareSessionInterface()
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:  # only the scheme: client_ip() reads X-Forwarded-For itself
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops)  # type: ignore[method-assign]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers: dict[str, Any] = {
            "Content-Security-Policy": content_security_policy(app.config["FRAME_ANCESTORS"]),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": REFERRER_POLICY,
        }
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
