"""Today's weight sets the session's dose ceiling: one far from the evaluated weight (the
protocol's unconfirmed `session_weight_change`) needs a physician's confirmation, and every
weight change is audited with the old and the new value."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.charting import CHECKLIST
from tests.factories.planning import consented_patient


def start(client: TestClient, headers: dict[str, str], pid: int, **extra: Any) -> Any:
    body = {"checklist": CHECKLIST, **extra}
    return client.post(f"/api/v1/patients/{pid}/sessions", json=body, headers=headers)


def weight_audits(db: Database, pid: int) -> list[dict[str, Any]]:
    with db.sessions() as session:
        rows = session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.entity == "patient",
                AuditEntry.action == "update",
                AuditEntry.patient_id == pid,
            )
        )
        return [d for d in rows if d and "weight_kg" in d]


def test_a_weight_far_from_the_evaluated_one_needs_a_physician(
    client: TestClient, headers: Headers, db: Database
) -> None:
    pid = consented_patient(poster(client, headers["physician"]))  # evaluated at 70 kg
    for extra in ({}, {"weight_confirmed": True}):  # a nurse cannot confirm it
        refused = start(client, headers["nurse"], pid, weight_kg=95, **extra)
        assert refused.status_code == 409, refused.text
        error = refused.json()["errors"][0]
        assert (error["code"], error["field"]) == ("needs_physician_decision", "weight_kg")
        assert "36 %" in error["message"] and "SCLERO-DEFAULT — unconfirmed" in error["message"]
        assert error["detail"]["confirmed"] is False
    patient = client.get(f"/api/v1/patients/{pid}", headers=headers["nurse"]).json()
    assert patient["weight_kg"] == 70 and weight_audits(db, pid) == []

    confirmed = start(client, headers["physician"], pid, weight_kg=95, weight_confirmed=True)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["limits"]["max_agent_mg"] == 190  # 2 mg/kg of 95 kg
    [audit] = weight_audits(db, pid)
    assert audit["weight_kg"] == {"old": 70, "new": 95} and audit["physician_confirmed"] is True


def test_a_small_change_is_taken_and_audited(
    client: TestClient, headers: Headers, db: Database
) -> None:
    pid = consented_patient(poster(client, headers["physician"]))
    started = start(client, headers["nurse"], pid, weight_kg=74)
    assert started.status_code == 201, started.text
    [audit] = weight_audits(db, pid)
    assert audit["weight_kg"] == {"old": 70, "new": 74} and audit["physician_confirmed"] is False
