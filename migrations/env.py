"""Alembic environment: migrates the database named by SCLERO_DATABASE_URL (or -x url=…)."""

from alembic import context
from sqlalchemy import text

from sclero.core.db import make_engine
from sclero.core.settings import get_settings
from sclero.models import metadata

config = context.config


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Never wait forever on a lock held by a running clinic (warehouse's habit).
            connection.execute(text("SET lock_timeout = '10s'"))
            connection.execute(text("SET statement_timeout = '300s'"))
            connection.commit()  # session settings stay; Alembic then owns the transaction
        if connection.dialect.name == "sqlite":
            # A batch migration copies a table, drops it and renames the copy: with foreign keys
            # on, dropping `patients` deletes every row that cascades from it. Off for the run
            # (outside any transaction, where SQLite honours it); checked before committing.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "sqlite":
                broken = connection.execute(text("PRAGMA foreign_key_check")).first()
                if broken is not None:
                    raise RuntimeError(f"the migration broke a foreign key: {tuple(broken)}")
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
