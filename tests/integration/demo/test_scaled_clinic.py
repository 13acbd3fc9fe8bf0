"""A small clinic scaled by sessions (50 patients asked for 400 sessions) is consistent: the
counts asked for, every foreign key pointing at a stored row, the outcomes report's summary
rebuilt after the load equal to the same facts refreshed patient by patient, and the audit
chain intact — on the test database of the run (SQLite, or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, func, make_url, select, text

from sclero.core.audit import verify_chain
from sclero.core.db import SYSTEM_ACTOR, Database, analyze, make_engine, upgrade_database
from sclero.demo.generator import DemoSummary, generate_clinic
from sclero.demo.store import WRITE_ORDER
from sclero.models import metadata
from sclero.reports import service, summary
from tests.conftest import recreate_database

TODAY = date(2026, 11, 23)
PATIENTS = 50
SESSIONS = 400


@pytest.fixture
def clinic(db: Database) -> tuple[Database, DemoSummary]:
    with db.sessions() as session:
        made = generate_clinic(session, PATIENTS, seed=11, today=TODAY, sessions=SESSIONS)
    with db.uow(SYSTEM_ACTOR, writes=True) as uow:
        service.rebuild_summary(uow)
    return db, made


def test_the_counts_are_the_ones_asked_for(clinic: tuple[Database, DemoSummary]) -> None:
    counts = clinic[1].as_dict()
    assert counts["patients"] == PATIENTS
    # sessions are steered batch by batch: "about" the number asked (the generator's contract)
    assert abs(counts["treatment_sessions"] - SESSIONS) <= 0.15 * SESSIONS
    assert counts["injections"] >= 2 * counts["treatment_sessions"]


def _orphans(connection: Connection, table_name: str) -> dict[str, int]:
    table, found = metadata.tables[table_name], {}
    for key in table.foreign_keys:
        parent = key.column.table
        child = key.parent
        alias = parent.alias("parent")
        missing = (
            select(func.count())
            .select_from(table.outerjoin(alias, child == alias.c[key.column.key]))
            .where(child.is_not(None), alias.c[key.column.key].is_(None))
        )
        found[f"{table_name}.{child.name}"] = int(connection.scalar(missing) or 0)
    return found


def test_every_foreign_key_points_at_a_stored_row(clinic: tuple[Database, DemoSummary]) -> None:
    with clinic[0].sessions() as session:
        connection = session.connection()
        orphans = {}
        for name in WRITE_ORDER:
            orphans.update(_orphans(connection, name))
    assert orphans, "the generator's tables have foreign keys"
    assert {column: n for column, n in orphans.items() if n} == {}


def _facts(connection: Connection) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table in summary.FACT_TABLES:
        rows = connection.execute(select(*[c for c in table.columns if c.name != "id"])).all()
        out[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return out


def test_the_summary_after_the_load_matches_a_refresh(
    clinic: tuple[Database, DemoSummary],
) -> None:
    with clinic[0].sessions() as session:
        connection = session.connection()
        rebuilt = _facts(connection)
        patients = list(connection.scalars(select(metadata.tables["patients"].c.id)))
        summary.refresh(connection, patients)
        refreshed = _facts(connection)
        session.rollback()
    assert sum(len(rows) for rows in rebuilt.values()) > 0
    assert refreshed == rebuilt


def test_the_audit_chain_verifies(clinic: tuple[Database, DemoSummary]) -> None:
    checked, broken = verify_chain(clinic[0].sessions().connection())
    assert broken is None
    assert checked > 0


def test_postgresql_analyzes_what_the_load_wrote_and_sqlite_has_nothing_to_do(db: Database) -> None:
    """A fresh database's statistics call its tables empty, so PostgreSQL would check each
    foreign key by scanning the referenced table: the load refreshes them as it goes."""
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with db.sessions() as session:
            generate_clinic(session, PATIENTS, seed=12, today=TODAY, sessions=SESSIONS)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    analyzed = [s for s in statements if s.startswith("ANALYZE")]
    if db.engine.dialect.name != "postgresql":
        assert analyzed == []
        return
    assert analyzed, "the load never refreshed the planner's statistics"
    assert any('"treatment_sessions"' in s and '"injections"' in s for s in analyzed)


@pytest.fixture
def loaded_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own (beside the run's), migrated and loaded with a small clinic and
    committed, as `sclero demo` leaves it: VACUUM sees only what other transactions committed."""
    own = f"sqlite:///{tmp_path / 'loaded.db'}"
    if database_url.startswith("postgresql"):
        name = f"{make_url(database_url).database}_stats"
        recreate_database(database_url, name)
        own = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade_database(own)
    database = Database(own)
    with database.sessions() as session:
        generate_clinic(session, PATIENTS, seed=13, today=TODAY, sessions=SESSIONS)
    with database.uow(SYSTEM_ACTOR, writes=True) as uow:
        service.rebuild_summary(uow)
    database.dispose()
    yield own
    if database_url.startswith("postgresql"):
        recreate_database(database_url, make_url(own).database or "", create=False)


def test_statistics_after_a_load_let_the_report_read_its_index_alone(loaded_url: str) -> None:
    """After a load the planner has statistics on both databases, and on PostgreSQL the
    summary's pages are marked all-visible (VACUUM), so a year of region facts is read from
    the covering index without visiting the table."""
    analyze(loaded_url)
    engine = make_engine(loaded_url)
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            tables = connection.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")).all()
            engine.dispose()
            assert "report_regions" in tables
            return
        pages, visible = connection.execute(
            text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'report_regions'")
        ).one()
    engine.dispose()
    assert pages > 0
    assert visible == pages
