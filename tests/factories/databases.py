"""A database of its own for a test that serves or copies one: a SQLite file, or a PostgreSQL
database beside the test one, made fresh and dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url, text

from sclero.core.db import make_engine


@contextmanager
def own_database(database_url: str, sqlite_file: Path, suffix: str) -> Iterator[str]:
    """The URL of an empty database: `sqlite_file` on SQLite, `<test db>_<suffix>` on
    PostgreSQL (dropped with FORCE before and after)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{sqlite_file}"
        return
    url = make_url(database_url)
    name = f"{url.database}_{suffix}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
