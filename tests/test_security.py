"""Headers, cookies, readiness and production secrets (issue 7, security)."""

from __future__ import annotations

import ast
import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.config import InsecureConfiguration
from service.db import CommentStatus
from tests.conftest import BROKERS
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import sign_in

ROOT = Path(__file__).parents[1]
TEMPLATES = ROOT / "service" / "templates"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
GOOD_KEY = "9f2c7e1a4b8d3f6a0c5e9b2d7f1a4c8e3b6d0f9a2c5e8b1d4f7a0c3e6b9d2f5a"
GOOD_SALT = "d41e8a7c0f3b6e9d2a5c8f1b4e7a0d3c6f9b2e5a8d1c4f7b0e3a6d9c2f5b8e1a"


def directives(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part}


@pytest.mark.parametrize(
    "path",
    ["/", "/login", "/healthz", "/widget.js", "/no-such-page", "/api/v1/comments?thread=/x"],
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    with client.get(path) as response:  # closes the static file behind /widget.js
        policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_frame_ancestors_is_configurable(make_app: Any) -> None:
    app = make_app(FRAME_ANCESTORS=["'self'", "https://intranet.example"])
    policy = directives(app.test_client().get("/"))
    assert policy["frame-ancestors"] == "'self' https://intranet.example"


def test_widget_script_loads_from_any_origin_as_javascript(client: FlaskClient) -> None:
    with client.get("/widget.js", headers={"Origin": "https://blog.example"}) as response:
        pass
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


class InlineCode(HTMLParser):
    """Collects what a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on")]
        self.found += [f"{tag} style=" for name in names if name == "style"]
        for name, value in attrs:
            if name in {"href", "src", "action"} and re.match(r"\s*javascript:", value or "", re.I):
                self.found.append(f"{tag} {name}=javascript:")


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))
)
def test_templates_hold_no_inline_script_or_style(template: str) -> None:
    parser = InlineCode()
    parser.feed((TEMPLATES / template).read_text())
    assert parser.found == []


def test_rendered_staff_pages_hold_no_inline_script_or_style(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        make_staff("admin@clinic.example", role="admin")
        make_comment(body="held one", status=CommentStatus.HELD, reasons=["spam score 0.91"])
    assert sign_in(client, "admin@clinic.example").status_code == 302
    for path in ["/moderation/?tab=held", "/moderation/?tab=all", "/admin/audit", "/admin/privacy"]:
        response = client.get(path)
        assert response.status_code == 200, path
        parser = InlineCode()
        parser.feed(response.get_data(as_text=True))
        assert parser.found == [], path


def sample_path(rule: Any) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_every_admin_url_refuses_moderators(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff("mod@clinic.example")
    assert sign_in(client, "mod@clinic.example").status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False  # reach the role check itself
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]
    assert {rule.endpoint for rule in rules} >= {"admin.audit", "admin.privacy_erase"}
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(sample_path(rule), method=method, data={"email": "a@b.example"})
            assert response.status_code == 403, (rule, method)


def test_every_state_changing_page_request_needs_a_csrf_token(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        make_staff("admin@clinic.example", role="admin")
    assert sign_in(client, "admin@clinic.example").status_code == 302
    rules = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith("api.")  # JSON only and cookie-less: see test_api_post
        for method in sorted((rule.methods or set()) & STATE_CHANGING)
    ]
    assert len(rules) >= 5
    for rule, method in rules:
        response = client.open(sample_path(rule), method=method, data={"email": "a@b.example"})
        assert response.status_code == 400, (rule, method)
        assert "CSRF" in response.get_data(as_text=True), (rule, method)


def test_sql_text_is_never_built_from_values() -> None:
    """Every `text(...)` SQL string is a literal: user input only ever travels as a bound
    parameter of the ORM (no f-strings, %, + or .format into SQL)."""
    calls = []
    for path in [*ROOT.glob("service/**/*.py"), *ROOT.glob("worker/**/*.py")]:
        source = path.read_text()
        bare_text_is_sql = "from sqlalchemy import text" in source  # else `text` is another helper
        for node in ast.walk(ast.parse(source)):
            func = node.func if isinstance(node, ast.Call) else None
            sa_text = getattr(func, "attr", None) == "text" and getattr(
                getattr(func, "value", None), "id", None
            ) in {"sa", "sqlalchemy"}
            if sa_text or (bare_text_is_sql and getattr(func, "id", None) == "text"):
                calls.append((path.name, node))
    assert calls  # the readiness probe has one
    for name, call in calls:
        assert all(isinstance(arg, ast.Constant) for arg in call.args), name
    for path in ROOT.glob("service/**/*.py"):
        source = path.read_text()
        assert '.execute(f"' not in source and "exec_driver_sql" not in source, path


def session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return str(cookies[0])


def test_session_cookie_is_secure_over_https_only(app: Flask, client: FlaskClient) -> None:
    plain = session_cookie(client.get("/login"))
    secure = session_cookie(app.test_client().get("/login", base_url="https://localhost"))
    assert "Secure" not in plain
    assert "Secure" in secure and "HttpOnly" in secure and "SameSite=Lax" in secure


def test_a_request_without_the_session_cookie_builds_no_signer(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An API call carries no cookie: its empty session costs no signing serializer, and
    a staff session still opens (a sign-in works across requests)."""
    interface = app.session_interface
    built = []
    real = interface.get_signing_serializer
    monkeypatch.setattr(interface, "get_signing_serializer", lambda a: built.append(1) or real(a))
    assert client.get("/api/v1/comments?thread=/blog/a").status_code == 200
    assert built == []
    with app.app_context():
        make_staff("mod@example.org")
    sign_in(client, "mod@example.org")
    assert client.get("/moderation/").status_code == 200
    assert built


def test_session_cookie_is_secure_behind_a_trusted_tls_proxy(make_app: Any) -> None:
    https = {"X-Forwarded-Proto": "https"}
    direct = make_app().test_client().get("/login", headers=https)
    assert "Secure" not in session_cookie(direct)  # nobody vouches for that header
    proxied = make_app(TRUSTED_PROXIES=1).test_client().get("/login", headers=https)
    assert "Secure" in session_cookie(proxied)


def test_ready_when_database_broker_and_model_answer(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "model": "ok"},
    }


@pytest.mark.parametrize("broker", BROKERS, indirect=True)
def test_readiness_names_an_unreachable_broker(app: Flask, client: FlaskClient) -> None:
    assert client.get("/readyz").status_code == 200
    celery = app.config["CELERY"]
    if celery["broker_url"].startswith("redis"):
        celery["broker_url"] = "redis://127.0.0.1:1/0"  # nothing listens there
    else:
        celery["broker_transport_options"]["data_folder_in"] = "/nonexistent/queue"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == body["checks"]["model"] == "ok"


@pytest.mark.parametrize("damage", ["no store", "dangling pointer", "bad metadata", "no model"])
def test_readiness_names_a_missing_or_broken_model(
    make_app: Any, model_store: Path, tmp_path: Path, damage: str
) -> None:
    store = tmp_path / "store"
    if damage != "no store":
        version = (model_store / "ACTIVE").read_text().strip()
        (store / version).mkdir(parents=True)
        (store / "ACTIVE").write_text("gone\n" if damage == "dangling pointer" else version)
        metadata = (model_store / version / "metadata.json").read_text()
        (store / version / "metadata.json").write_text(
            "{not json" if damage == "bad metadata" else metadata
        )
    response = make_app(store=store).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["model"]
    assert response.get_json()["checks"]["model"] != "ok"


def production(broker: dict[str, Any], **config: Any) -> Flask:
    return create_app(
        {"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", "CELERY": broker,
         **config}
    )  # fmt: skip


@pytest.mark.parametrize(
    "secrets",
    [
        {},
        {"SECRET_KEY": GOOD_KEY},
        {"IP_HASH_SALT": GOOD_SALT},
        {"SECRET_KEY": "short-but-random-Xq9", "IP_HASH_SALT": GOOD_SALT},
        {"SECRET_KEY": "change-me-to-a-long-random-value-please!", "IP_HASH_SALT": GOOD_SALT},
        {"SECRET_KEY": GOOD_KEY, "IP_HASH_SALT": "a" * 64},
        {"SECRET_KEY": GOOD_KEY, "IP_HASH_SALT": GOOD_KEY},
    ],
    ids=["none", "no-salt", "no-key", "short", "placeholder", "repetitive", "same"],
)
def test_production_refuses_to_start_without_real_secrets(
    broker: dict[str, Any], secrets: dict[str, str]
) -> None:
    with pytest.raises(InsecureConfiguration) as refused:
        production(broker, **secrets)
    for value in secrets.values():
        assert value not in str(refused.value)


def test_production_reads_secrets_from_the_environment(
    broker: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    with pytest.raises(InsecureConfiguration, match="IP_HASH_SALT"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CELERY": broker})
    monkeypatch.setenv("IP_HASH_SALT", GOOD_SALT)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CELERY": broker})
    assert app.config["SECRET_KEY"] == GOOD_KEY and app.config["IP_HASH_SALT"] == GOOD_SALT


def test_secrets_are_never_logged_nor_served(
    broker: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = production(broker, SECRET_KEY=GOOD_KEY, IP_HASH_SALT=GOOD_SALT)
    client = app.test_client()
    bodies = [client.get(path).get_data(as_text=True) for path in ["/", "/login", "/readyz"]]
    bodies.append(str(client.get("/login").headers))
    for secret in (GOOD_KEY, GOOD_SALT):
        assert secret not in caplog.text
        assert all(secret not in body for body in bodies)


def test_development_salt_is_derived_not_the_secret_key(app: Flask) -> None:
    assert app.config["IP_HASH_SALT"] and app.config["IP_HASH_SALT"] != app.config["SECRET_KEY"]
