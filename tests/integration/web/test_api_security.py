"""The API with a cookie needs the CSRF header; failed sign-ins and refused accesses are audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import PASSWORD, Headers
from tests.factories.patients import PATIENT


def test_the_api_needs_the_csrf_header_when_signed_in_by_cookie(
    client: TestClient, users: dict[str, auth.User]
) -> None:
    client.get("/login")
    token = client.cookies["sclero_csrf"]
    client.post(
        "/login", data={"username": "test-nurse", "password": PASSWORD, "csrf_token": token}
    )
    assert client.get("/api/v1/patients").status_code == 200
    assert client.post("/api/v1/patients", json=PATIENT).status_code == 403
    created = client.post("/api/v1/patients", json=PATIENT, headers={"X-CSRF-Token": token})
    assert created.status_code == 201


def test_a_failed_sign_in_is_audited_without_the_password(
    client: TestClient, users: dict[str, auth.User], db: Database
) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": "test-nurse", "password": "guess-guess-guess"}
    )
    assert response.status_code == 401
    with db.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).one()
    assert entry.detail == {"username": "test-nurse"}
    assert entry.entity_id == users["nurse"].id


def test_a_refused_access_is_audited_with_the_patient(
    client: TestClient, headers: Headers, db: Database
) -> None:
    pid = client.post("/api/v1/patients", json=PATIENT, headers=headers["front_desk"]).json()["id"]
    refused = client.get(f"/api/v1/patients/{pid}/findings", headers=headers["front_desk"])
    assert refused.status_code == 403
    with db.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).one()
    assert (entry.username, entry.patient_id) == ("test-front_desk", pid)
    assert entry.detail == {"method": "GET", "path": f"/api/v1/patients/{pid}/findings"}
