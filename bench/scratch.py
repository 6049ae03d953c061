"""A throwaway database for a benchmark: a fresh PostgreSQL schema, or a temporary SQLite file.

    with scratch_database(os.environ.get("DATABASE_URL")) as url: ...

The schema is dropped afterwards, so benchmarks can run beside the tests on one server.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from service.config import normalise_database_url


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
