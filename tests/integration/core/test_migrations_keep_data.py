"""Upgrading a SQLite database that holds a clinic keeps every row: a batch migration (copy,
drop, rename) must not cascade the drop of `patients` into its children."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from sclero.core.db import alembic_config, make_engine

PATIENT = (
    "INSERT INTO patients (id, mrn, first_name, last_name, birth_date, sex, created_at,"
    " updated_at) VALUES (1, 'M1', 'Ana', 'Keep', '1980-01-01', 'female', '2026-01-01',"
    " '2026-01-01')"
)
FOLLOW_UP = (
    "INSERT INTO follow_ups (id, patient_id, performed_on, more_sessions_needed)"
    " VALUES (1, 1, '2026-01-02', 0)"
)


def test_every_migration_from_the_first_keeps_a_patients_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(PATIENT))
        connection.execute(text(FOLLOW_UP))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        counts = [
            connection.execute(text("SELECT count(*) FROM patients")).scalar(),
            connection.execute(text("SELECT count(*) FROM follow_ups")).scalar(),
        ]
        foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
    engine.dispose()
    assert counts == [1, 1]
    assert foreign_keys == 1  # the app's connections still enforce them
