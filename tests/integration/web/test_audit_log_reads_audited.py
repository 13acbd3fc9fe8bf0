"""An admin reading the audit log leaves an audit entry of that reading, with its filters, on
the page and through the API (the log has no other export; the command line's archive is
audited by the command)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.web import sign_in


def reads_of_the_log(db: Database) -> list[AuditEntry]:
    with db.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.entity == "audit_log").order_by(AuditEntry.id)
        return list(session.scalars(query))


def test_the_audit_page_reading_is_audited_with_its_filters(
    app: Any, users: dict[str, auth.User], db: Database, pid: int
) -> None:
    with TestClient(app) as client:
        sign_in(client, "test-admin")
        assert reads_of_the_log(db) == []
        assert client.get("/audit", params={"patient_id": str(pid), "page": "2"}).status_code == 200
        assert client.get("/audit", params={"username": "nobody"}).status_code == 200
    first, second = reads_of_the_log(db)
    assert (first.action, first.username, first.role) == ("read", "test-admin", "admin")
    assert first.detail is not None and second.detail is not None
    assert first.detail["filters"] == {"patient_id": pid}
    assert (first.detail["offset"], first.detail["limit"]) == (50, 50)
    assert second.detail["filters"] == {"username": "nobody"}
    assert second.detail["entries"] == 0  # no such user: nothing shown


def test_the_audit_api_reading_is_audited_with_what_it_returned(
    client: TestClient, headers: Headers, db: Database, pid: int
) -> None:
    answer = client.get("/api/v1/audit", params={"action": "create"}, headers=headers["admin"])
    assert answer.status_code == 200
    shown = [entry["id"] for entry in answer.json()]
    assert shown, "the patient's registration is listed"
    (entry,) = reads_of_the_log(db)
    assert (entry.action, entry.username, entry.address) == ("read", "test-admin", "testclient")
    assert entry.detail == {
        "filters": {"action": "create"},
        "limit": 100,
        "offset": 0,
        "entries": len(shown),
        "ids": [min(shown), max(shown)],
    }
    # the next reading lists the previous one
    again = client.get("/api/v1/audit", params={"action": "read"}, headers=headers["admin"])
    assert any(e["entity"] == "audit_log" for e in again.json())


def test_a_refused_reading_of_the_log_is_not_a_reading(
    client: TestClient, headers: Headers, db: Database
) -> None:
    assert client.get("/api/v1/audit", headers=headers["physician"]).status_code == 403
    assert reads_of_the_log(db) == []
