"""An open urgent adverse event (chest pain: possible pulmonary embolism) shows on Today, on the
chart and on session start, and holds every new session until a physician has reviewed it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.api import match
from tests.factories.charting import CHECKLIST

TODAY = date.today().isoformat()
URGENT = {
    "event_type": "other",
    "symptoms": ["chest_pain", "breathlessness"],
    "onset_date": TODAY,
    "severity": "severe",
}
OVERRIDE = "Reviewed after the event; interval owned by the physician."


def report_urgent(client: TestClient, headers: Headers, patient_id: int) -> int:
    response = client.post(
        f"/api/v1/patients/{patient_id}/adverse-events", json=URGENT, headers=headers["nurse"]
    )
    assert response.status_code == 201, response.text
    assert response.json()["triage_level"] == "urgent_care"
    return int(response.json()["id"])


def start_session(client: TestClient, headers: dict[str, str], patient_id: int) -> Any:
    body = {"checklist": CHECKLIST, "interval_override_reason": OVERRIDE}
    return client.post(f"/api/v1/patients/{patient_id}/sessions", json=body, headers=headers)


def test_an_urgent_event_holds_new_sessions_until_a_physician_reviews_it(
    client: TestClient, headers: Headers, patient_id: int, db: Database
) -> None:
    event_id = report_urgent(client, headers, patient_id)
    held = start_session(client, headers["physician"], patient_id)
    assert held.status_code == 409, held.text
    error = held.json()["errors"][0]
    assert error["field"] == "hold" and "chest pain" in error["message"]

    review_url = f"/api/v1/adverse-events/{event_id}/review"
    note = {"note": "Seen: ECG and D-dimer normal, no PE."}
    assert client.post(review_url, json=note, headers=headers["nurse"]).status_code == 403
    assert (
        client.post(review_url, json={"note": ""}, headers=headers["physician"]).status_code == 422
    )
    reviewed = client.post(review_url, json=note, headers=headers["physician"])
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "open"  # reviewed, still followed until closed
    again = client.post(review_url, json=note, headers=headers["physician"])
    assert again.status_code == 409

    started = start_session(client, headers["physician"], patient_id)
    assert started.status_code == 201, started.text
    with db.sessions() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.detail).where(
                    AuditEntry.entity == "adverse_event",
                    AuditEntry.entity_id == event_id,
                    AuditEntry.action == "review",
                )
            )
        )
    assert actions == [note]


def test_the_hold_shows_on_today_the_chart_and_session_start(
    client: TestClient,
    headers: Headers,
    patient_id: int,
    signed_in: Callable[[str], TestClient],
) -> None:
    event_id = report_urgent(client, headers, patient_id)
    nurse, desk = signed_in("nurse"), signed_in("front_desk")
    for url in ("/today", f"/patients/{patient_id}", f"/patients/{patient_id}/session/new"):
        page = nurse.get(url)
        assert page.status_code == 200, url
        assert "awaiting a physician" in page.text.lower(), url
        assert "Other: chest pain" in page.text, url
    # The front desk sees that treatment is held, not the clinical detail.
    today = desk.get("/today").text
    assert "awaiting a physician" in today.lower() and "chest pain" not in today.lower()
    events = signed_in("physician").get(f"/patients/{patient_id}/adverse-events").text
    assert f'action="/adverse-events/{event_id}/review"' in events


def test_closing_the_urgent_event_counts_as_its_review(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    event_id = report_urgent(client, headers, patient_id)
    events = client.get(f"/api/v1/patients/{patient_id}/adverse-events", headers=headers["nurse"])
    [version] = [e["version"] for e in events.json() if e["id"] == event_id]
    closed = client.post(
        f"/api/v1/adverse-events/{event_id}/close",
        json={"outcome": "resolved"},
        headers={**headers["physician"], **match(version)},
    )
    assert closed.status_code == 200, closed.text
    assert start_session(client, headers["physician"], patient_id).status_code == 201


def test_a_routine_event_holds_nothing(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    body = {**URGENT, "symptoms": ["bruising"], "severity": "mild"}
    response = client.post(
        f"/api/v1/patients/{patient_id}/adverse-events", json=body, headers=headers["nurse"]
    )
    assert response.json()["triage_level"] == "routine"
    assert start_session(client, headers["physician"], patient_id).status_code == 201
