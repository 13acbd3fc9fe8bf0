"""The patient API: create, find, read, update; errors with field + message; audit; roles."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.patients.models import Patient
from tests.conftest import Headers
from tests.factories.api import etag_of, match

ANNA = {
    "first_name": "Anna",
    "last_name": "Berg",
    "birth_date": "1980-04-02",
    "sex": "female",
    "weight_kg": 64,
    "phone": "+49 30 1234567",
    "email": "anna@example.org",
}


def count(db: Database, model: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_front_desk_registers_a_patient_with_a_record_number(
    client: TestClient, headers: Headers
) -> None:
    response = client.post("/api/v1/patients", json=ANNA, headers=headers["front_desk"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mrn"] == f"SC-{body['id']:06d}"
    assert body["last_name"] == "Berg"


def test_bad_input_names_the_field_and_saves_nothing(
    client: TestClient, headers, db: Database
) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Patient), count(db, AuditEntry)
    bad = {**ANNA, "birth_date": "2999-01-01", "sex": "robot"}
    response = client.post("/api/v1/patients", json=bad, headers=headers["nurse"])
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "future" in fields["birth_date"]
    assert "unknown sex 'robot'" in fields["sex"]
    assert (count(db, Patient), count(db, AuditEntry)) == before


def test_search_by_name_birth_date_and_phone_pages_the_results(
    client: TestClient, headers: Headers
) -> None:
    for i in range(5):
        client.post(
            "/api/v1/patients",
            json={**ANNA, "first_name": f"Anna{i}"},
            headers=headers["front_desk"],
        )
    client.post(
        "/api/v1/patients",
        json={**ANNA, "last_name": "Other", "phone": "555"},
        headers=headers["front_desk"],
    )
    page = client.get(
        "/api/v1/patients",
        params={"q": "berg", "limit": 2, "offset": 2},
        headers=headers["front_desk"],
    ).json()
    assert page["total"] == 5
    assert [p["first_name"] for p in page["items"]] == ["Anna2", "Anna3"]
    by_phone = client.get(
        "/api/v1/patients", params={"phone": "555"}, headers=headers["nurse"]
    ).json()
    assert [p["last_name"] for p in by_phone["items"]] == ["Other"]
    by_birth = client.get(
        "/api/v1/patients",
        params={"birth_date": "1980-04-02", "q": "other"},
        headers=headers["nurse"],
    ).json()
    assert by_birth["total"] == 1


def test_every_read_and_change_is_audited_with_who_and_which_patient(
    client: TestClient, headers, db: Database
) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/patients", json=ANNA, headers=headers["nurse"]).json()
    read = client.get(f"/api/v1/patients/{created['id']}", headers=headers["physician"])
    client.patch(
        f"/api/v1/patients/{created['id']}",
        json={"weight_kg": 66},
        headers={**headers["nurse"], **match(etag_of(read))},
    )
    with db.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.patient_id == created["id"]).order_by(AuditEntry.id)
        ).all()
    assert [(r.action, r.username) for r in rows] == [
        ("create", "test-nurse"),
        ("read", "test-physician"),
        ("update", "test-nurse"),
    ]
    assert rows[2].detail == {
        "version": etag_of(read) + 1,
        "changes": {"weight_kg": {"old": 64, "new": 66}},
    }
    assert rows[0].address == "testclient"


def test_admin_reads_the_audit_log_but_not_patients(client: TestClient, headers: Headers) -> None:
    created = client.post("/api/v1/patients", json=ANNA, headers=headers["nurse"]).json()
    assert (
        client.get(f"/api/v1/patients/{created['id']}", headers=headers["admin"]).status_code == 403
    )
    log = client.get(
        "/api/v1/audit", params={"patient_id": created["id"]}, headers=headers["admin"]
    )
    assert log.status_code == 200
    assert [e["action"] for e in log.json()] == ["denied", "create"]  # newest first
    assert client.get("/api/v1/audit", headers=headers["nurse"]).status_code == 403


def test_no_token_means_401_and_a_wrong_password_is_refused(
    client: TestClient, users: object
) -> None:
    response = client.get("/api/v1/patients")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Sign in first."
    wrong = client.post(
        "/api/v1/auth/token", data={"username": "test-nurse", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401


def test_logout_revokes_the_token(client: TestClient, headers: Headers) -> None:
    assert client.post("/api/v1/auth/logout", headers=headers["nurse"]).status_code == 204
    assert client.get("/api/v1/patients", headers=headers["nurse"]).status_code == 401


def test_unknown_patient_is_a_404_with_a_message(client: TestClient, headers: Headers) -> None:
    response = client.get("/api/v1/patients/999999", headers=headers["nurse"])
    assert response.status_code == 404
    assert response.json()["errors"][0] == {
        "code": "not_found",
        "field": "patient_id",
        "message": "There is no patient with id 999999.",
    }
