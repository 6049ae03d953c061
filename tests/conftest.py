"""Fixtures: a fresh database per test, real Redis and PostgreSQL when the environment names them.

`DATABASE_URL` (PostgreSQL) and `REDIS_URL`, when set, must be reachable: tests fail
loudly rather than quietly falling back. Each test gets its own PostgreSQL schema
and its own Redis queue name, so tests are independent of order. SQLite is always
tested too, so the embedded quickstart stays covered in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from models.lifecycle import train_version
from service import create_app
from service.config import defaults
from service.config import filesystem_broker
from service.config import normalise_database_url
from service.config import use_redis_broker
from service.db import db
from tests.factories import make_staff
from tests.factories import sign_in

POSTGRES_URL = os.environ.get("DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
BROKERS = ["filesystem"] + (["redis"] if REDIS_URL else [])
DEFAULT_BROKER = "redis" if REDIS_URL else "filesystem"


@pytest.fixture(scope="session", autouse=True)
def _real_servers_reachable() -> None:
    """Fail the run at once when a configured server is down, instead of skipping."""
    if POSTGRES_URL:
        engine = sa.create_engine(normalise_database_url(POSTGRES_URL))
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as error:
            pytest.exit(f"DATABASE_URL is set but PostgreSQL is unreachable: {error}", 3)
        finally:
            engine.dispose()
    if REDIS_URL:
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError as error:
            pytest.exit(f"REDIS_URL is set but Redis is unreachable: {error}", 3)


@pytest.fixture(scope="session")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real model trained once per run on the seed corpus."""
    store = tmp_path_factory.mktemp("models")
    train_version(store)
    return store


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file in tmp_path (visible to a worker thread) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    assert POSTGRES_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(normalise_database_url(POSTGRES_URL)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Celery settings for a private queue; parametrize indirectly to pick the broker."""
    kind = getattr(request, "param", DEFAULT_BROKER)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    celery: dict[str, Any] = {
        "task_default_queue": queue,
        "task_routes": {},
        "worker_hijack_root_logger": False,
    }
    if kind == "redis":
        assert REDIS_URL is not None
        use_redis_broker(celery, REDIS_URL)
        yield celery
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()
        return
    celery.update(filesystem_broker(tmp_path / "broker", polling_interval=0.05))
    yield celery


def build_app(
    tmp_path: Path, database_url: str, broker: dict[str, Any], model_store: Path, **overrides: Any
) -> Flask:
    """An app over a migrated-equivalent schema (create_all; migrations have their own tests)."""
    base = defaults(str(tmp_path / "instance"))["CELERY"]
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-of-reasonable-length",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MODEL_STORE": str(model_store),
        "CELERY": {**base, **broker},
        # Abuse defences have their own tests; elsewhere they would only get in the way.
        "REQUIRE_FORM_TOKEN": False,
        "COMMENT_RATE_LIMIT": "10000 per minute",
        "THREAD_RATE_LIMIT": "10000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def make_app(
    tmp_path: Path, database_url: str, broker: dict[str, Any], model_store: Path
) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database and broker; their connections close at teardown."""
    apps: list[Flask] = []

    def make(store: Path = model_store, **overrides: Any) -> Flask:
        app = build_app(tmp_path, database_url, broker, store, **overrides)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def moderator(app: Flask, client: FlaskClient) -> FlaskClient:
    """`client`, signed in as a moderator."""
    with app.app_context():
        make_staff("mod@clinic.example")
    assert sign_in(client, "mod@clinic.example").status_code == 302
    return client


@pytest.fixture
def celery_worker(app: Flask) -> Iterator[None]:
    """A real Celery worker (solo pool, in a thread) consuming this test's queue."""
    from celery.contrib.testing.worker import start_worker

    import worker.tasks  # noqa: F401  (registers the shared tasks on every app)

    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        yield
