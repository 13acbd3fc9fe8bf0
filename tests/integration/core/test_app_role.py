"""On PostgreSQL the app connects as `sclero_app`, which works the clinic's tables but cannot
update, delete, truncate or alter the audit log (nor change the migration record)."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from sclero.core import audit
from sclero.core.db import Actor, Database, make_engine, upgrade_database
from sclero.patients.schemas import PatientIn
from sclero.patients.service import create_patient
from sclero.reports import service as reports
from sclero.reports.filters import ReportFilters

POSTGRES_URL = os.environ.get("SCLERO_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="roles are PostgreSQL's")
FRONT_DESK = Actor(user_id=None, username="frontdesk", role="front_desk", address="test")
ADMIN = Actor(user_id=None, username="admin", role="admin", address="test")
PHYSICIAN = Actor(user_id=None, username="physician", role="physician", address="test")


@pytest.fixture(scope="module")
def as_app() -> Iterator[Database]:
    """A migrated database of its own, and the app's view of it as sclero_app."""
    name = f"{make_url(POSTGRES_URL).database}_role"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    owner_url = make_url(POSTGRES_URL).set(database=name)
    upgrade_database(owner_url.render_as_string(hide_password=False))
    app_url = owner_url.set(username="sclero_app", password=None)
    database = Database(app_url.render_as_string(hide_password=False))
    yield database
    database.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_app_role_registers_a_patient_with_its_audit_entry(as_app: Database) -> None:
    data = PatientIn(first_name="Role", last_name="Test", birth_date=date(1980, 1, 1), sex="female")
    with as_app.uow(FRONT_DESK) as uow:
        patient_id = create_patient(uow, data).id
    with as_app.engine.connect() as connection:
        logged = connection.execute(
            text("SELECT count(*) FROM audit_log WHERE patient_id = :p"), {"p": patient_id}
        ).scalar()
        checked, broken = audit.verify_chain(connection)
    assert logged == 1
    assert broken is None and checked >= 1


def test_the_app_role_reads_the_outcomes_report_from_the_summary(as_app: Database) -> None:
    """The report makes its scope as temporary tables: PostgreSQL lets every role do so unless
    a DBA revoked TEMPORARY on the database (docs/deploy.md)."""
    with as_app.uow(ADMIN) as uow:
        reports.rebuild_summary(uow)
    with as_app.uow(PHYSICIAN) as uow:
        report = reports.outcomes_report(uow, ReportFilters(date(2025, 1, 1), date(2026, 12, 31)))
    assert report.summary is not None
    assert report.headline.sessions == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "UPDATE alembic_version SET version_num = '0001'",
    ],
)
def test_the_app_role_cannot_rewrite_the_audit_log(as_app: Database, statement: str) -> None:
    with as_app.engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text(statement))
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)


def _migration_0015() -> ModuleType:
    path = next(Path(__file__).parents[3].glob("migrations/versions/*_0015_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_databases_migrating_at_once_both_create_the_role() -> None:
    """Roles are the server's, not a database's: two migrations at once each find the role
    missing and create it; the second must not fail."""
    role = f"sclero_race_{os.getpid()}"
    statement = text(_migration_0015().create_role(role))
    engine = make_engine(POSTGRES_URL)
    start, failures = threading.Barrier(4), []

    def create() -> None:
        try:
            with engine.begin() as connection:
                start.wait(timeout=30)
                connection.execute(statement)
        except Exception as error:
            failures.append(repr(error))

    threads = [threading.Thread(target=create) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        engine.dispose()
