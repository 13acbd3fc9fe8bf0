"""The audit log is tamper-evident: each entry carries the hash of the one before, so a changed,
removed or replaced entry is found by `sclero audit verify`, which names the first broken one."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import DBAPIError

from sclero.core import audit
from sclero.core.audit_archive import ArchiveRefused, archive_before
from sclero.core.db import SYSTEM_ACTOR, Database, make_engine, upgrade_database

POSTGRES_URL = os.environ.get("SCLERO_TEST_DATABASE_URL", "")


def _write(db: Database, count: int, entity: str = "patient") -> None:
    for index in range(count):
        with db.uow(SYSTEM_ACTOR) as uow:
            audit.record(uow, "update", entity, index, patient_id=index, detail={"n": index})
            uow.commit()


def _connection(db: Database) -> Connection:
    return db.sessions().connection()


def _guard_off(connection: Connection) -> None:
    """What someone with the table owner's rights could do (inside the test's transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def _ids(connection: Connection) -> list[int]:
    return list(connection.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


def test_entries_written_by_units_of_work_form_an_intact_chain(db: Database) -> None:
    _write(db, 5)
    checked, broken = audit.verify_chain(_connection(db))
    assert broken is None
    assert checked >= 5


def test_verifying_leaves_the_caller_s_connection_as_it_was(db: Database) -> None:
    """The walk streams by a statement option: a connection-wide one would make the caller's
    next statements stream too (on PostgreSQL a later savepoint then fails inside a cursor)."""
    _write(db, 3)
    with db.sessions() as session:
        connection = session.connection()
        before = dict(connection.get_execution_options())
        audit.verify_chain(connection)
        assert dict(connection.get_execution_options()) == before
        _write(db, 1)  # and the session goes on writing
        assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() >= 4


def test_a_changed_entry_is_named(db: Database) -> None:
    _write(db, 5)
    connection = _connection(db)
    victim = _ids(connection)[-3]
    _guard_off(connection)
    connection.execute(
        text("UPDATE audit_log SET username = 'nobody' WHERE id = :id"), {"id": victim}
    )
    _checked, broken = audit.verify_chain(connection)
    assert broken is not None
    assert broken.entry_id == victim
    assert "changed" in broken.reason


def test_a_removed_entry_breaks_the_chain_at_the_next_one(db: Database) -> None:
    _write(db, 5)
    connection = _connection(db)
    ids = _ids(connection)
    _guard_off(connection)
    connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[-3]})
    _checked, broken = audit.verify_chain(connection)
    assert broken is not None
    assert broken.entry_id == ids[-2]
    assert "removed" in broken.reason


@pytest.mark.skipif(bool(POSTGRES_URL), reason="INSERT OR REPLACE is SQLite's")
def test_insert_or_replace_cannot_overwrite_an_entry(db: Database) -> None:
    _write(db, 1)
    connection = _connection(db)
    victim = _ids(connection)[-1]
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(
            text(
                "INSERT OR REPLACE INTO audit_log (id, at, username, role, action, entity) "
                "VALUES (:id, '2026-01-01', 'x', 'admin', 'read', 'x')"
            ),
            {"id": victim},
        )


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own whose commits stay (SQLite file or a new PostgreSQL db)."""
    if not POSTGRES_URL:
        url = f"sqlite:///{tmp_path / 'chain.db'}"
        upgrade_database(url)
        yield url
        return
    name = f"{make_url(POSTGRES_URL).database}_chain"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_concurrent_writers_keep_one_chain(own_database: str) -> None:
    database = Database(own_database)
    writers = [threading.Thread(target=_write, args=(database, 15, f"writer{n}")) for n in range(6)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    with database.engine.connect() as connection:
        checked, broken = audit.verify_chain(connection)
    database.dispose()
    assert broken is None
    assert checked == 90


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the command is the same on both databases")
def test_sclero_audit_verify_names_the_first_broken_entry(own_database: str) -> None:
    _write(Database(own_database), 3)

    def verify() -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SCLERO_DATABASE_URL": own_database}
        command = [sys.executable, "-m", "sclero.cli", "audit", "verify"]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603

    intact = verify()
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    engine = make_engine(own_database)
    with engine.connect() as connection:  # the check itself is in the log, as the system's
        last = connection.execute(
            text("SELECT action, entity, username FROM audit_log ORDER BY id DESC")
        ).first()
    assert tuple(last or ()) == ("verify", "audit_log", SYSTEM_ACTOR.username)
    with engine.begin() as connection:
        victim = _ids(connection)[1]
        _guard_off(connection)
        connection.execute(
            text("UPDATE audit_log SET detail = NULL WHERE id = :id"), {"id": victim}
        )
    engine.dispose()
    broken = verify()
    assert broken.returncode == 1
    assert f"broken at entry {victim}" in " ".join(broken.stderr.split())


def test_archiving_old_entries_keeps_the_rest_of_the_chain_verifiable(
    db: Database, tmp_path: Path
) -> None:
    _write(db, 5)
    connection = _connection(db)
    before = connection.execute(text("SELECT max(at) FROM audit_log")).scalar()
    cutoff = (before if isinstance(before, datetime) else datetime.fromisoformat(before)) + (
        timedelta(seconds=1)
    )
    output = tmp_path / "audit-2026.ndjson.gz"

    moved = archive_before(connection, cutoff, output, "owner")
    _write(db, 3)

    assert moved >= 5
    lines = gzip.decompress(output.read_bytes()).decode().splitlines()
    assert len(lines) == moved
    kept = connection.execute(text("SELECT file_sha256 FROM audit_archives")).scalar()
    assert kept == hashlib.sha256(output.read_bytes()).hexdigest()
    checked, broken = audit.verify_chain(connection)
    assert broken is None
    assert checked == 3
    with pytest.raises(ArchiveRefused, match="already exists"):
        archive_before(connection, cutoff, output, "owner")
