"""Declarative base, migrations and the unit of work every service runs in (the engines are
made in `engine.py`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from sclero.core.engine import READ_ONLY, WRITES, SideReaders, make_engine
from sclero.core.errors import DomainError, Forbidden, NotFound
from sclero.core.group_commit import ReadAuditCommits
from sclero.core.protocol import protocol_for
from sclero.core.settings import Settings, get_settings
from sclero.core.time import clinic_now, today, utcnow
from sclero.core.versioning import stale
from sclero.rules import Protocol

PENDING_READS = "sclero_pending_reads"
"""Key in a session's `info` under which core/audit.py collects the reads of one unit of work."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every Sclero table; constraint names are stable across SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


M = TypeVar("M", bound=Base)


class Timestamped:
    """Adds created/updated timestamps to a table."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class DatabaseNotMigrated(RuntimeError):
    """The database schema is behind the code; the message says what to run."""


def head_revision() -> str:
    # Alembic loads only where the schema is checked or migrated (server start, db commands).
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def alembic_config(url: str | None = None) -> Any:
    from alembic.config import Config  # as above: not for every command that opens a database

    root = Path(__file__).resolve().parents[2]
    # stdout named now: Config's default is whatever sys.stdout was when alembic was first
    # imported, which may be a stream that a command's caller has since closed
    config = Config(str(root / "alembic.ini"), stdout=sys.stdout)
    config.set_main_option("script_location", str(root / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def ensure_migrated(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not at the code's migration head."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"The database is at migration {current or 'none'}, the code needs {head}. "
            "Run `sclero db upgrade` first."
        )


def upgrade_database(url: str) -> None:
    from alembic import command  # as above

    command.upgrade(alembic_config(url), "head")


def analyze(url: str) -> None:
    """Refresh the query planner's statistics (after migrations or a bulk load): without them
    PostgreSQL plans sequential scans where an index loop is 5x faster.

    On PostgreSQL this is `VACUUM (ANALYZE)`: only VACUUM writes the visibility map that lets an
    index-only scan skip the table, and autovacuum may be off or far behind a bulk load. Without
    it the outcomes report scanned all 4 million region facts of a 1 million-session clinic for
    one year's figures (1.5 s) instead of that year's range of the covering index (0.4 s)."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            # VACUUM cannot run inside a transaction block
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM (ANALYZE)"))
        else:
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Actor:
    """Who is acting, for role checks and the audit log."""

    user_id: int | None
    username: str
    role: str
    address: str | None = None


SYSTEM_ACTOR = Actor(user_id=None, username="system", role="admin", address="local")


class UnitOfWork:
    """One transaction of one actor: rolled back unless the service calls `commit()`. It also
    carries the installation's settings and protocol, the one path by which services read them."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        actor: Actor,
        settings: Settings | None = None,
        *,
        read_factory: Callable[[], Session] | None = None,
        writes: bool | None = None,
        side_readers: SideReaders | None = None,
        read_audits: ReadAuditCommits | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._read_audits = read_audits
        self._read_factory = read_factory
        self.side_readers = side_readers
        """Connections of their own for reads beside this unit of work (None: there are none,
        as in a test whose data lives in one uncommitted transaction)."""
        self.writes = writes
        self.actor = actor
        self.settings = settings or get_settings()
        self._session: Session | None = None
        self._writes_now = True

    @property
    def protocol(self) -> Protocol:
        """The protocol in force (the settings' file, loaded once per path)."""
        return protocol_for(self.settings)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory(WRITES.get() if self.writes is None else self.writes)
        return self

    def _factory(self, writes: bool) -> Session:
        self._writes_now = writes
        if writes or self._read_factory is None:
            return self._session_factory()
        return self._read_factory()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        reads = self.session.info.pop(PENDING_READS, None) if exc_type is None else None
        # close() rolls back whatever was not committed; unlike rollback() it leaves the loaded
        # attributes of returned objects readable for the caller.
        self.session.close()
        self._session = None
        if reads:
            self._write_reads(reads)

    def _write_reads(self, reads: list[Any]) -> None:
        """What this unit of work only read still leaves its one audit row (core/audit.py adds
        it when it commits): in a transaction shared with the other reads of this moment, or
        without a database to share one, in a short transaction of its own."""
        if self._read_audits is not None:
            self._read_audits.write(reads)
            return
        with self._session_factory() as session:
            session.info[PENDING_READS] = reads
            session.commit()

    def end_transaction(self, *, then_writes: bool | None = None) -> None:
        """End the transaction now (for slow work that must hold no lock, e.g. checking a
        password); the next query begins a new one — a writing one if `then_writes`. Objects
        set apart from the session (`expunge`) stay readable."""
        reads = self.session.info.pop(PENDING_READS, None)
        self.session.rollback()
        if then_writes is not None and then_writes != self._writes_now:
            self.session.close()
            self._session = self._factory(then_writes)
        if reads:
            self.session.info[PENDING_READS] = reads

    def commit(self) -> None:
        """Commit the change, with the audit row of what this unit of work read. A versioned row
        that someone else changed since it was loaded is refused (412), nothing written."""
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise stale("record") from None

    def today(self) -> date:
        """The clinic's current date, in the clinic's time zone."""
        return today(self.settings.timezone)

    def wall_now(self) -> datetime:
        """Now as the clinic's wall clock shows it, in the clinic's time zone."""
        return clinic_now(self.settings.timezone)

    def get(
        self, model: type[M], ident: int, *, field: str | None = None, for_update: bool = False
    ) -> M:
        """The row of `model` with this id, or NotFound naming it as the clinic does (the
        model's `__label__`). `for_update` holds the row until commit (PostgreSQL)."""
        row = self.session.get(model, ident, with_for_update=for_update or None)
        if row is None:
            what = getattr(model, "__label__", model.__tablename__.replace("_", " "))
            raise NotFound(f"There is no {what} with id {ident}.", field=field)
        return row

    def require_role(self, *roles: str) -> None:
        """Raise Forbidden unless the actor has one of `roles`."""
        if self.actor.role not in roles:
            raise Forbidden(f"Your role ({self.actor.role}) may not do this.")


class Database:
    """An engine, its session factory, and the settings its units of work carry."""

    settings: Settings | None = None  # None: the process's settings (SCLERO_* / .env)
    read_sessions: sessionmaker[Session] | None = None  # None: reads use `sessions` too
    side_readers: SideReaders | None = None  # None: every read runs on the request's connection
    read_audits: ReadAuditCommits | None = None  # None: each read's audit row commits alone

    def __init__(self, url: str, settings: Settings | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        self.settings = settings
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(**{READ_ONLY: True})
        self.read_sessions = sessionmaker(reader, expire_on_commit=False)
        if self.engine.url.database not in (None, "", ":memory:"):  # in memory: one connection
            self.side_readers = SideReaders(url)
        self.read_audits = ReadAuditCommits(self.sessions)

    def uow(self, actor: Actor, *, writes: bool | None = None) -> UnitOfWork:
        """A unit of work of `actor`; `writes` None: as the request says (see WRITES)."""
        return UnitOfWork(
            self.sessions,
            actor,
            self.settings,
            read_factory=self.read_sessions,
            writes=writes,
            side_readers=self.side_readers,
            read_audits=self.read_audits,
        )

    def dispose(self) -> None:
        """Close every connection this database holds (its own pool and the side readers')."""
        self.engine.dispose()
        if self.side_readers is not None:
            self.side_readers.dispose()


__all__ = [
    "SYSTEM_ACTOR",
    "Actor",
    "Base",
    "Database",
    "DatabaseNotMigrated",
    "DomainError",
    "Timestamped",
    "UnitOfWork",
    "ensure_migrated",
    "make_engine",
    "upgrade_database",
]
