"""One patient walked from evaluation to follow-up through the JSON API, as the README promises."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.charting.models import Injection
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers

PATIENT = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "birth_date": "1979-06-15",
    "sex": "female",
    "weight_kg": 70,
}
INTAKE = {
    "weight_kg": 70,
    "pregnant": False,
    "breastfeeding": False,
    "conditions": [],
    "medications": ["oral_contraceptive"],
    "allergies": [],
}
CHECKLIST = {
    "identity_confirmed": True,
    "consent_confirmed": True,
    "not_pregnant": True,
    "no_new_clot": True,
    "no_infection": True,
    "skin_clean": True,
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def reticular_injection(volume: float = 0.3) -> dict[str, object]:
    return {
        "side": "left",
        "region": "leg_medial",
        "agent": "polidocanol",
        "concentration_percent": 1.0,
        "volume_ml": volume,
        "technique": "liquid",
        "needle_gauge": 30,
        "lot_number": "L123",
    }


def test_a_patient_goes_from_evaluation_to_follow_up(
    client: TestClient, headers, db: Database
) -> None:  # type: ignore[no-untyped-def]
    doc, nurse, desk = headers["physician"], headers["nurse"], headers["front_desk"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=desk).json()["id"]

    evaluation = client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=nurse)
    assert evaluation.status_code == 201, evaluation.text
    assert evaluation.json()["decision"] == "eligible_with_precautions"
    assert evaluation.json()["protocol_version"]

    finding = client.post(
        f"/api/v1/patients/{pid}/findings",
        headers=nurse,
        json={"side": "left", "region": "leg_medial", "diameter_mm": 2.0},
    )
    assert finding.json()["vein_type"] == "reticular" and finding.json()["vein_type_derived"]

    plan = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc)
    assert plan.status_code == 201, plan.text
    item = plan.json()["items"][0]
    assert (item["technique"], item["agent"]) == ("liquid", "polidocanol")
    assert plan.json()["max_agent_mg"] == 140.0
    plan_id = plan.json()["id"]
    assert client.post(f"/api/v1/plans/{plan_id}/approve", headers=nurse).status_code == 403
    assert (
        client.post(f"/api/v1/plans/{plan_id}/approve", headers=doc).json()["status"] == "approved"
    )
    consent = client.post(
        f"/api/v1/plans/{plan_id}/consent",
        headers=nurse,
        json={"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True},
    )
    assert consent.status_code == 201 and "Risks explained" in consent.json()["text"]

    session = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=nurse
    )
    assert session.status_code == 201, session.text
    sid = session.json()["id"]
    for _ in range(33):  # 33 × 0.3 mL = 9.9 mL of the 10 mL liquid limit
        assert (
            client.post(
                f"/api/v1/sessions/{sid}/injections", json=reticular_injection(), headers=nurse
            ).status_code
            == 201
        )
    refused = client.post(
        f"/api/v1/sessions/{sid}/injections", json=reticular_injection(), headers=nurse
    )
    assert refused.status_code == 409
    error = refused.json()["errors"][0]
    assert error["code"] == "dose_limit_exceeded"
    assert error["detail"]["limit"] == 10.0
    assert round(error["detail"]["remaining"], 3) == 0.1
    tally = client.get(f"/api/v1/sessions/{sid}/tally", headers=nurse).json()
    assert tally["totals"]["liquid_ml"] == 9.9 and tally["totals"]["agent_mg"] == 99.0

    closed = client.post(
        f"/api/v1/sessions/{sid}/close",
        headers=nurse,
        json={"compression_given": "Class 1 stockings, 5–7 days", "aftercare_given": True},
    )
    assert closed.json()["status"] == "closed" and closed.json()["aftercare"]

    hints = client.get(f"/api/v1/patients/{pid}/schedule-suggestions", headers=desk).json()
    assert hints["follow_up_due"] == (date.today() + timedelta(days=28)).isoformat()
    follow_up_at = datetime.combine(date.fromisoformat(hints["follow_up_due"]), datetime.min.time())
    booked = client.post(
        f"/api/v1/patients/{pid}/appointments",
        headers=desk,
        json={"kind": "follow_up", "starts_at": follow_up_at.replace(hour=10).isoformat()},
    )
    assert booked.status_code == 201
    too_soon = client.post(
        f"/api/v1/patients/{pid}/appointments",
        headers=desk,
        json={"kind": "session", "starts_at": (follow_up_at - timedelta(days=7)).isoformat()},
    )
    assert (
        too_soon.status_code == 409 and too_soon.json()["errors"][0]["code"] == "interval_too_short"
    )
    assert (
        b"BEGIN:VEVENT" in client.get(f"/api/v1/patients/{pid}/calendar.ics", headers=desk).content
    )

    follow_up = client.post(
        f"/api/v1/patients/{pid}/follow-ups",
        headers=nurse,
        json={
            "session_id": sid,
            "performed_on": date.today().isoformat(),
            "satisfaction": 4,
            "clearances": [{"side": "left", "region": "leg_medial", "level": 3}],
        },
    )
    assert follow_up.status_code == 201, follow_up.text
    photo = client.post(
        f"/api/v1/patients/{pid}/photos",
        headers=nurse,
        files={"file": ("leg.png", io.BytesIO(PNG), "image/png")},
        data={
            "side": "left",
            "region": "leg_medial",
            "taken_on": date.today().isoformat(),
            "follow_up_id": str(follow_up.json()["id"]),
        },
    )
    assert photo.status_code == 201, photo.text
    assert client.get(f"/api/v1/photos/{photo.json()['id']}", headers=nurse).content == PNG

    event = client.post(
        f"/api/v1/patients/{pid}/adverse-events",
        headers=nurse,
        json={
            "session_id": sid,
            "event_type": "distal_dvt",
            "symptoms": ["calf_pain_swelling"],
            "onset_date": date.today().isoformat(),
            "severity": "moderate",
        },
    )
    assert event.json()["triage_level"] == "urgent_care"
    closed_event = client.post(
        f"/api/v1/adverse-events/{event.json()['id']}/close",
        headers=doc,
        json={"outcome": "resolving"},
    )
    assert closed_event.json()["status"] == "closed"
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Injection)) == 33


def test_a_contraindicated_patient_gets_no_plan(client: TestClient, headers: Headers) -> None:
    pid = client.post("/api/v1/patients", json=PATIENT, headers=headers["nurse"]).json()["id"]
    screened = client.post(
        f"/api/v1/patients/{pid}/evaluations",
        headers=headers["nurse"],
        json={**INTAKE, "conditions": ["acute_dvt"]},
    )
    assert screened.json()["decision"] == "contraindicated"
    refused = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=headers["physician"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "contraindicated"


def consented_patient(client: TestClient, doc: dict[str, str], diameter_mm: float) -> int:
    """A new patient, evaluated, with one finding on the left inner calf, an approved plan and
    signed consent: ready for a session."""
    pid: int = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=doc)
    finding = {"side": "left", "region": "leg_medial", "diameter_mm": diameter_mm}
    client.post(f"/api/v1/patients/{pid}/findings", headers=doc, json=finding)
    plan_id = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()["id"]
    client.post(f"/api/v1/plans/{plan_id}/approve", headers=doc)
    consent = {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True}
    client.post(f"/api/v1/plans/{plan_id}/consent", headers=doc, json=consent)
    return pid


def test_a_refused_injection_changes_nothing(
    client: TestClient, headers: Headers, db: Database
) -> None:
    doc = headers["physician"]
    pid = consented_patient(client, doc, diameter_mm=2.0)
    sid = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=doc
    ).json()["id"]
    before = count_rows(db, Injection), count_rows(db, AuditEntry)
    refused = client.post(
        f"/api/v1/sessions/{sid}/injections", json=reticular_injection(volume=0.6), headers=doc
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["detail"]["violations"][0]["code"] == (
        "volume_per_injection_above_max"
    )
    assert (count_rows(db, Injection), count_rows(db, AuditEntry)) == before


def count_rows(db: Database, model: type) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_physician_may_override_the_limit_with_a_reason(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(client, doc, diameter_mm=2.0)
    sid = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=doc
    ).json()["id"]
    too_much = reticular_injection(volume=0.6)  # above the per-injection maximum
    assert (
        client.post(f"/api/v1/sessions/{sid}/injections", json=too_much, headers=doc).status_code
        == 409
    )
    nurse_try = client.post(
        f"/api/v1/sessions/{sid}/injections",
        headers=headers["nurse"],
        json={**too_much, "override_reason": "large feeder vein"},
    )
    assert nurse_try.status_code == 403
    overridden = client.post(
        f"/api/v1/sessions/{sid}/injections",
        headers=doc,
        json={**too_much, "override_reason": "large feeder vein, documented"},
    )
    assert overridden.status_code == 201
    assert overridden.json()["override_reason"] == "large feeder vein, documented"


def test_an_unconfirmed_checklist_item_stops_the_session(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(client, doc, diameter_mm=0.5)
    response = client.post(
        f"/api/v1/patients/{pid}/sessions",
        headers=doc,
        json={"checklist": {**CHECKLIST, "not_pregnant": False}},
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "checklist.not_pregnant"


def test_a_second_session_cannot_open_while_one_is_open(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(client, doc, diameter_mm=0.5)
    start = {"checklist": CHECKLIST}
    assert (
        client.post(f"/api/v1/patients/{pid}/sessions", json=start, headers=doc).status_code == 201
    )
    again = client.post(f"/api/v1/patients/{pid}/sessions", json=start, headers=doc)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "session"
