"""Engines: how Sclero connects to SQLite and PostgreSQL, how SQLite's one writer at a time is
queued, and the side readers a request may split a long read over."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc

from sclero.core.errors import DomainError


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys on and a write-ahead log."""
    if url.startswith("sqlite"):
        # One connection is used by one thread at a time (the pool sees to it); the web server's
        # worker threads may differ from the one that opened it.
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    # A database error must never print a patient's values into a log or a traceback.
    kwargs.setdefault("hide_parameters", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        if engine.url.database not in (None, "", ":memory:"):
            _private_file(Path(engine.url.database))
        event.listen(engine, "connect", _sqlite_pragmas)
        _WriterQueue(engine)
    return engine


def _private_file(path: Path) -> None:
    """The SQLite file readable by Sclero's own user only (its -wal and -shm files follow)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    with contextlib.suppress(PermissionError):  # another user's file: leave it as it is
        path.chmod(0o600)


WRITES: ContextVar[bool] = ContextVar("sclero_writes", default=True)
"""Whether the units of work of this request (or command) may write. A request that only reads
(GET, HEAD) sets it False (web/read_only.py): its transactions then take no write lock on SQLite."""

READ_ONLY = "sclero_read_only"
"""Execution option of the connections of a unit of work that only reads."""


WRITER_WAIT_SECONDS = 60.0
"""How long a writing transaction of this process waits for its turn before it is refused."""
HOLDS_WRITER = "sclero_holds_writer"


class DatabaseBusy(DomainError):
    """The database stayed busy with other writers for longer than a request may wait."""

    status_code = 503
    code = "busy"


class _WriterQueue:
    """SQLite takes one writer at a time. The writing transactions of this process queue here,
    on a lock, for their turn (a waiting thread sleeps until the lock is free, instead of
    polling the file as busy_timeout does, where a writer can lose its turn again and again
    under load); busy_timeout still covers other processes (the command line, a worker).

    pysqlite's own transaction handling breaks SAVEPOINTs (SQLAlchemy's documented recipe), so
    Sclero emits BEGIN itself. A unit of work that writes begins IMMEDIATE: it takes the write
    lock at its first statement and holds it for its short transaction, so writers queue
    instead of one failing with "database is locked" when a deferred transaction that has read
    tries to write. A unit of work that only reads begins DEFERRED: under the write-ahead log
    it takes no lock and never waits for a writer. (Its one audit row is written afterwards,
    in a short writing transaction shared with the reads of the same moment: group_commit.py.)"""

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "commit", self.end)
        event.listen(engine, "rollback", self.end)
        event.listen(engine.pool, "checkin", self.returned)  # a transaction never ended

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not self.lock.acquire(timeout=WRITER_WAIT_SECONDS):
            raise DatabaseBusy("The database is busy with other changes; try again in a moment.")
        connection.info[HOLDS_WRITER] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        if connection.info.pop(HOLDS_WRITER, False):
            self.lock.release()

    def returned(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(HOLDS_WRITER, False):
            self.lock.release()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # Sclero emits BEGIN itself (see _WriterQueue)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # INSERT OR REPLACE deletes the row it replaces; only with recursive triggers does that
    # delete meet the audit log's append-only trigger (without, it silently overwrote an entry).
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


SIDE_READERS = os.cpu_count() or 2
"""How many reads of this process may run beside a request at once (one per core: more would
only queue for the same cores)."""


class SideReaders:
    """A small pool of read-only connections for work a request splits over the cores (the
    outcomes report's figures). It never makes a request wait: when every one is in use,
    `connect` yields None and the caller reads on its own connection. A pool of its own, so a
    request holding a connection of the main pool never waits for another to read beside it."""

    def __init__(self, url: str) -> None:
        self.base = make_engine(url, pool_size=SIDE_READERS, max_overflow=0, pool_timeout=0.001)
        self.engine = self.base.execution_options(**{READ_ONLY: True})

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection | None]:
        """A connection that sees what is committed, in a read-only transaction rolled back at
        the end; None when all are in use."""
        try:
            connection = self.engine.connect()
        except exc.TimeoutError:
            yield None
            return
        with connection:
            yield connection

    def dispose(self) -> None:
        self.base.dispose()
