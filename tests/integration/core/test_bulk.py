"""Bulk writes: reserved ids are never handed out again, and rows inserted together arrive as
given, on both databases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sclero.core.bulk import insert_rows, reserve_ids
from sclero.patients.models import Patient

PATIENTS = Patient.__table__
assert isinstance(PATIENTS, Table)


def person(patient_id: int, mrn: str, phone: str | None) -> dict[str, Any]:
    at = datetime(2026, 12, 2, 9, 0)
    return {"id": patient_id, "mrn": mrn, "first_name": "Ada", "last_name": "Bulk",
            "birth_date": date(1960, 5, 1), "sex": "female", "phone": phone, "version": 1,
            "created_at": at, "updated_at": at}  # fmt: skip


def test_rows_inserted_together_arrive_as_given_and_ids_are_not_reused(session: Session) -> None:
    connection = session.connection()
    first = reserve_ids(connection, PATIENTS, 2)
    insert_rows(connection, PATIENTS, [person(first[0], "T-1", None), person(first[1], "T-2", "1")])
    query = select(PATIENTS.c.id, PATIENTS.c.mrn, PATIENTS.c.phone, PATIENTS.c.birth_date)
    found = connection.execute(query.where(PATIENTS.c.id.in_(first)).order_by(PATIENTS.c.id))
    assert [tuple(r) for r in found] == [
        (first[0], "T-1", None, date(1960, 5, 1)),
        (first[1], "T-2", "1", date(1960, 5, 1)),
    ]
    assert min(reserve_ids(connection, PATIENTS, 3)) > max(first)


def test_a_value_too_long_for_its_column_is_refused_not_cut(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("SQLite does not limit a string's length")
    [patient_id] = reserve_ids(connection, PATIENTS, 1)
    with pytest.raises(DBAPIError, match="too long"):
        insert_rows(connection, PATIENTS, [person(patient_id, "T-" + "9" * 30, None)])
