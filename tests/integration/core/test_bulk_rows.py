"""The bulk path (COPY on PostgreSQL, executemany of tuples on SQLite) stores exactly what a
Core insert of the same rows stores: JSON (None as JSON null, as SQLAlchemy writes it), dates and
times, and the Python-side defaults of the columns the rows leave out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Date, DateTime, create_engine, insert, select, text
from sqlalchemy.orm import Session

from sclero.core.bulk import _converter, insert_rows
from sclero.models import metadata

PATIENTS = metadata.tables["patients"]
APPOINTMENTS = metadata.tables["appointments"]


def _stored(connection: Connection, appointment_id: int) -> tuple[Any, ...]:
    """The row as the app reads it, and its JSON and time as the database holds them."""
    row = connection.execute(select(APPOINTMENTS).where(APPOINTMENTS.c.id == appointment_id)).one()
    raw = connection.execute(
        text(
            "SELECT CAST(regions AS TEXT), regions IS NULL, CAST(starts_at AS TEXT)"
            " FROM appointments WHERE id = :id"
        ),
        {"id": appointment_id},
    ).one()
    return (*row[1:], *raw)


def test_bulk_rows_read_back_like_core_inserts(session: Session) -> None:
    patient = {
        "id": 990_001,
        "mrn": "SC-990001",
        "first_name": "Zoé",
        "last_name": "Bulk",
        "birth_date": date(1980, 2, 29),
        "sex": "female",
    }
    assert insert_rows(session.connection(), PATIENTS, [patient]) == 1
    shapes: list[dict[str, Any]] = [
        {"regions": None, "notes": None, "starts_at": datetime(2026, 3, 1, 8, 15)},
        {"regions": ["leg_medial", "knee_anterior"], "notes": "Zoé's «note»", "starts_at":
         datetime(2026, 3, 1, 8, 15, 30, 123456)},
    ]  # fmt: skip
    for number, shape in enumerate(shapes):
        core_id, bulk_id = 990_100 + 2 * number, 990_101 + 2 * number
        row = {"patient_id": 990_001, "kind": "session", **shape}  # status etc.: defaults
        session.execute(insert(APPOINTMENTS), [{"id": core_id, **row}])
        assert insert_rows(session.connection(), APPOINTMENTS, [{"id": bulk_id, **row}]) == 1
        connection = session.connection()
        core, bulk = _stored(connection, core_id), _stored(connection, bulk_id)
        created = APPOINTMENTS.c.keys().index("created_at") - 1
        assert bulk[:created] == core[:created]
        assert bulk[created + 2 :] == core[created + 2 :]
        assert abs((bulk[created] - core[created]).total_seconds()) < 60  # utcnow(), per insert
        assert bulk[APPOINTMENTS.c.keys().index("status") - 1] == "booked"


def test_bulk_insert_names_a_column_the_table_lacks(session: Session) -> None:
    with pytest.raises(KeyError, match="nickname"):
        insert_rows(session.connection(), PATIENTS, [{"id": 1, "nickname": "x"}])


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 5, 7), datetime(999, 1, 1),
     date(2020, 1, 1), date(5, 1, 1)],
)  # fmt: skip
def test_sqlite_times_are_sqlalchemys_own_text(value: date) -> None:
    dialect = create_engine("sqlite://").dialect
    for kind in (DateTime, Date):
        if kind is Date and isinstance(value, datetime):
            continue
        column: Column[Any] = Column("at", kind)
        own = column.type.dialect_impl(dialect).bind_processor(dialect)
        assert own is not None
        assert _converter(column, dialect)(value) == own(value)  # type: ignore[misc]
