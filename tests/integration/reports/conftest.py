"""Fixtures of the reports tests: the known clinic, written into the test's transaction or
committed for tests of real concurrent connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, insert
from sqlalchemy.orm import Session

from sclero.core import auth
from sclero.models import metadata
from sclero.reports import summary, summary_tables
from tests.factories.reports import KnownClinic, build_known_clinic


@pytest.fixture
def known(session: Session, users: dict[str, auth.User]) -> KnownClinic:
    clinic = build_known_clinic(session.connection(), users["physician"].id, users["nurse"].id)
    session.commit()
    return clinic


@pytest.fixture
def committed(engine: Engine) -> Iterator[KnownClinic]:
    """The known clinic and its summary, committed (other connections see it), removed after."""
    users = metadata.tables["users"]
    with engine.begin() as connection:
        ids = [
            connection.execute(
                insert(users).values(
                    username=f"race-{role}", full_name=role, role=role, password_hash="x"
                )
            ).inserted_primary_key[0]
            for role in ("physician", "nurse")
        ]
        known = build_known_clinic(connection, *ids)
        summary.rebuild(connection, 3)
    try:
        yield known
    finally:
        with engine.begin() as connection:
            for table in (*summary_tables.FACT_TABLES, summary_tables.STATE):
                connection.execute(delete(table))
            patients = metadata.tables["patients"]  # their records go with them (cascades)
            connection.execute(delete(patients).where(patients.c.id.in_(known.patients.values())))
            connection.execute(delete(users).where(users.c.id.in_(ids)))
