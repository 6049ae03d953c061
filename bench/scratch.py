"""A throwaway database for a benchmark: a fresh PostgreSQL schema, or a temporary SQLite file.

    with scratch_database(os.environ.get("DATABASE_URL")) as url: ...
    with scratch_app(os.environ.get("DATABASE_URL")) as app: ...   # the app over it, tables made

The schema is dropped afterwards, so benchmarks can run beside the tests on one server.
`median_ms` times an in-process request the way the in-process benchmarks report it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from service import create_app
from service.config import normalise_database_url
from service.db import db


@contextmanager
def scratch_database(database: str | None) -> Iterator[str]:
    """Yield a URL to an empty database; PostgreSQL when `database` is given, else SQLite."""
    if not database:
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_database_url(database))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            sa.make_url(normalise_database_url(database))
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def scratch_app(database: str | None, secret_key: str = "bench") -> Iterator[Flask]:
    """The service's app over a scratch database with its tables created; closed afterwards."""
    with scratch_database(database) as url:
        app = create_app({"SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url})
        try:
            with app.app_context():
                db.create_all()
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def median_ms(
    call: Callable[[], Any], repeat: int, statuses: tuple[int, ...] = (200,), warm_up: bool = True
) -> float:
    """Median milliseconds of `repeat` calls of a test-client request (after one warm-up
    call, which fills the template and statement caches); each must answer a `statuses`."""
    if warm_up:
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code in statuses, response.status_code
    return statistics.median(samples)
