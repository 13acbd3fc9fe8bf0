"""Smaller findings of the audit, kept fixed: a birth date as a bare number is refused (0 is not
1 January 1970), an interval-override reason is a physician's only, the SQLite file is private
and the engine never prints bound values."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from sclero.core.db import make_engine
from tests.conftest import Headers
from tests.factories.patients import PATIENT


def test_a_birth_date_given_as_a_number_is_refused(client: TestClient, headers: Headers) -> None:
    for number in (0, 86400, 1.5):
        refused = client.post(
            "/api/v1/patients", json={**PATIENT, "birth_date": number}, headers=headers["nurse"]
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "birth_date"


def test_only_a_physician_may_give_an_interval_override_reason(
    client: TestClient, headers: Headers
) -> None:
    pid = client.post("/api/v1/patients", json=PATIENT, headers=headers["front_desk"]).json()["id"]
    booking = {
        "kind": "evaluation",
        "starts_at": f"{date.today() + timedelta(days=5)}T10:00:00",
        "interval_override_reason": "The physician said it is fine.",
    }
    for role in ("front_desk", "nurse"):
        refused = client.post(
            f"/api/v1/patients/{pid}/appointments", json=booking, headers=headers[role]
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "interval_override_reason"
    kept = client.post(
        f"/api/v1/patients/{pid}/appointments", json=booking, headers=headers["physician"]
    )
    assert kept.status_code == 201, kept.text


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "clinic.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_database_error_does_not_print_the_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(StatementError) as error, engine.begin() as connection:
        connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "Lopez"})
    engine.dispose()
    assert "no_such_table" in str(error.value) and "Lopez" not in str(error.value)
