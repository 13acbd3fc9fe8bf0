"""Accounts after creation: an admin lists, deactivates and resets; a user changes their own
password and signs out everywhere; every password meets the policy; all of it is audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import PASSWORD, Headers

NEW_PASSWORD = "violet-harbour-lantern-42"


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return response.status_code


def _bearer(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    data = {"username": username, "password": password}
    token = client.post("/api/v1/auth/token", data=data).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _actions(db: Database) -> list[str]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_admin_lists_the_staff_without_their_passwords(
    client: TestClient, headers: Headers
) -> None:
    listed = client.get("/api/v1/users", headers=headers["admin"])
    assert listed.status_code == 200
    assert {u["username"] for u in listed.json()} >= {"test-nurse", "test-physician"}
    assert all("password" not in str(user) for user in listed.json())
    assert client.get("/api/v1/users", headers=headers["physician"]).status_code == 403


def test_a_deactivated_account_is_signed_out_at_once_and_cannot_sign_in(
    client: TestClient, headers: Headers, users: dict[str, auth.User], db: Database
) -> None:
    nurse = headers["nurse"]
    assert client.get("/api/v1/auth/me", headers=nurse).status_code == 200
    off = client.post(f"/api/v1/users/{users['nurse'].id}/deactivate", headers=headers["admin"])
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=nurse).status_code == 401
    assert _sign_in(client, "test-nurse") == 401
    on = client.post(f"/api/v1/users/{users['nurse'].id}/activate", headers=headers["admin"])
    assert on.json()["active"] is True
    assert _sign_in(client, "test-nurse") == 200
    assert {"deactivate", "activate"} <= set(_actions(db))


def test_an_admin_cannot_deactivate_themself(
    client: TestClient, headers: Headers, users: dict[str, auth.User]
) -> None:
    answer = client.post(f"/api/v1/users/{users['admin'].id}/deactivate", headers=headers["admin"])
    assert answer.status_code == 409


def test_an_admin_resets_a_forgotten_password(
    client: TestClient, headers: Headers, users: dict[str, auth.User]
) -> None:
    old_session = headers["physician"]
    reset = client.post(
        f"/api/v1/users/{users['physician'].id}/password",
        json={"password": NEW_PASSWORD},
        headers=headers["admin"],
    )
    assert reset.status_code == 200
    assert client.get("/api/v1/auth/me", headers=old_session).status_code == 401
    assert _sign_in(client, "test-physician") == 401
    assert _sign_in(client, "test-physician", NEW_PASSWORD) == 200


def test_a_user_changes_their_own_password_and_other_sign_ins_end(
    client: TestClient, headers: Headers
) -> None:
    other_device = _bearer(client, "test-nurse")
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-it-at-all", "new_password": NEW_PASSWORD},
        headers=headers["nurse"],
    )
    assert wrong.status_code == 401
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers["nurse"],
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/auth/me", headers=other_device).status_code == 401
    assert _sign_in(client, "test-nurse", NEW_PASSWORD) == 200


def test_sign_out_everywhere_ends_every_token(client: TestClient, headers: Headers) -> None:
    phone, desktop = _bearer(client, "test-physician"), _bearer(client, "test-physician")
    assert client.post("/api/v1/auth/logout-everywhere", headers=phone).status_code == 204
    assert client.get("/api/v1/auth/me", headers=desktop).status_code == 401
    assert client.get("/api/v1/auth/me", headers=phone).status_code == 401


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short", "at least"),
        ("password123", "too common"),
        ("Sclero-Demo-2026", "demo password"),
        ("newdoctor-secret-99", "username"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    client: TestClient, headers: Headers, password: str, says: str
) -> None:
    body = {"username": "NewDoctor", "full_name": "New Doctor", "role": "physician"}
    answer = client.post(
        "/api/v1/users", json={**body, "password": password}, headers=headers["admin"]
    )
    assert answer.status_code == 422
    assert says in answer.json()["errors"][0]["message"]


def test_a_password_is_kept_as_typed_spaces_included(client: TestClient, headers: Headers) -> None:
    body = {"username": " spacey ", "full_name": "Spacey", "role": "nurse"}
    typed = "  harbour lantern violet  "
    made = client.post("/api/v1/users", json={**body, "password": typed}, headers=headers["admin"])
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "spacey"
    assert _sign_in(client, "spacey", typed) == 200
    assert _sign_in(client, "spacey", typed.strip()) == 401
