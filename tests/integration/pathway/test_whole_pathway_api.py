"""One patient walked from evaluation to follow-up through the JSON API, as the README promises."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from sclero.charting.models import Injection
from sclero.core.db import Database
from tests.factories.api import as_read, match
from tests.factories.charting import (
    CHECKLIST,
    reticular_injection,
)
from tests.factories.evaluation import INTAKE, post_evaluation
from tests.factories.follow_up import png
from tests.factories.patients import PATIENT


def test_a_patient_goes_from_evaluation_to_follow_up(
    client: TestClient, headers, db: Database
) -> None:  # type: ignore[no-untyped-def]
    doc, nurse, desk = headers["physician"], headers["nurse"], headers["front_desk"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=desk).json()["id"]

    evaluation = post_evaluation(client, pid, INTAKE, nurse)
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
        client.post(
            f"/api/v1/plans/{plan_id}/approve", headers=as_read(client, f"/plans/{plan_id}", doc)
        ).json()["status"]
        == "approved"
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
        files={"file": ("leg.png", io.BytesIO(png()), "image/png")},
        data={
            "side": "left",
            "region": "leg_medial",
            "taken_on": date.today().isoformat(),
            "follow_up_id": str(follow_up.json()["id"]),
        },
    )
    assert photo.status_code == 201, photo.text
    kept = client.get(f"/api/v1/photos/{photo.json()['id']}", headers=nurse).content
    assert Image.open(io.BytesIO(kept)).getpixel((0, 0)) == (200, 60, 60)  # re-encoded

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
        headers={**doc, **match(event.json()["version"])},
        json={"outcome": "resolving"},
    )
    assert closed_event.json()["status"] == "closed"
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Injection)) == 33
