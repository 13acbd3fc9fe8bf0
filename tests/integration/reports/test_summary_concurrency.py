"""Two transactions that refresh the same patient's summary at once (two nurses charting the
same patient) leave each fact once: the second waits for the first, then replaces its rows.
Runs on committed data (real concurrent connections), removed again afterwards."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, func, insert, select

from sclero.models import metadata
from sclero.reports import summary, summary_tables
from tests.factories.reports import KnownClinic, build_known_clinic


@pytest.fixture
def committed(engine: Engine) -> Iterator[KnownClinic]:
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


def test_concurrent_refreshes_of_one_patient_count_each_fact_once(
    engine: Engine, committed: KnownClinic
) -> None:
    berta = committed.patients["berta"]
    facts = summary_tables.SESSION_FACTS

    def count() -> int:
        with engine.connect() as connection:
            found = select(func.count()).select_from(facts).where(facts.c.patient_id == berta)
            return int(connection.scalar(found) or 0)

    expected = count()
    assert expected == 2  # Berta's two sessions
    first = engine.connect()
    first.begin()
    summary.refresh(first, [berta])  # holds Berta until it commits
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with engine.begin() as connection:
                summary.refresh(connection, [berta])
        except BaseException as error:  # reported by the test below
            failures.append(error)

    racer = threading.Thread(target=second)
    racer.start()
    racer.join(timeout=1.0)  # the second refresh waits for the first
    first.commit()
    first.close()
    racer.join(timeout=30)
    assert not racer.is_alive() and failures == []
    assert count() == expected
