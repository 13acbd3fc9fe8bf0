"""The schema comes from the migrations alone, and the audit log cannot be changed."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from sclero.core import audit
from sclero.core.audit import AuditEntry, AuditLogIsAppendOnly
from sclero.core.db import (
    SYSTEM_ACTOR,
    Database,
    DatabaseNotMigrated,
    alembic_config,
    current_revision,
    ensure_migrated,
    head_revision,
    make_engine,
)


def test_migrations_from_empty_reach_head_and_match_the_models(
    engine: Engine, database_url: str
) -> None:
    assert current_revision(engine) == head_revision()
    command.check(alembic_config(database_url))  # raises if a model lacks a migration


def test_app_refuses_an_unmigrated_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseNotMigrated, match="sclero db upgrade"):
        ensure_migrated(empty)


def test_audit_entries_cannot_be_updated_through_the_orm(db: Database) -> None:
    with db.uow(SYSTEM_ACTOR) as uow:
        audit.record(uow, "read", "patient", 1, patient_id=1)
        uow.commit()
        entry = uow.session.scalars(select(AuditEntry)).one()
        entry.action = "nothing-happened"
        with pytest.raises(AuditLogIsAppendOnly):
            uow.session.flush()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
def test_audit_entries_cannot_be_changed_in_sql(db: Database, statement: str) -> None:
    with db.uow(SYSTEM_ACTOR) as uow:
        audit.record(uow, "read", "patient", 1, patient_id=1)
        uow.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(text(statement))
