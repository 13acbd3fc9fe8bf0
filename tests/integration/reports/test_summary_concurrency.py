"""Two transactions that refresh the same patient's summary at once (two nurses charting the
same patient) leave each fact once: the second waits for the first, then replaces its rows.
Runs on committed data (real concurrent connections), removed again afterwards."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select

from sclero.reports import summary, summary_tables
from tests.factories.reports import KnownClinic


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
