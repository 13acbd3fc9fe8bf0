"""Migrations run on a clinic's real data, not only on an empty database: SQLite's batch mode
rebuilds a table by copy, drop and rename, which foreign keys of the rows pointing at it refuse."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sclero.core.db import alembic_config, current_revision, head_revision, make_engine
from sclero.demo.generator import generate_clinic
from sclero.models import metadata

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCLERO_TEST_DATABASE_URL")),
    reason="batch-mode table rebuilds are SQLite's; the SQLite run covers them",
)
TABLES = ("patients", "appointments", "treatment_sessions", "injections", "treatment_plans")


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            table: connection.execute(
                select(func.count()).select_from(metadata.tables[table])
            ).scalar_one()
            for table in TABLES
        }
        problems = connection.execute(text("PRAGMA foreign_key_check")).all()
    engine.dispose()
    assert problems == [], problems
    return counts


def test_a_populated_clinic_downgrades_and_upgrades_keeping_every_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    with Session(engine) as session:
        generate_clinic(session, 30, seed=3, today=date(2026, 11, 23))
    engine.dispose()
    before = _counts(url)
    assert all(before.values()), before

    command.downgrade(config, "0002")
    assert _counts(url) == before
    command.upgrade(config, "head")

    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert _counts(url) == before
