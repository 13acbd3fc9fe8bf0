"""Safety gaps found in review: treatment follows the current screening and the approved plan,
the dose limit is per day, consent follows approval, the API needs CSRF with a cookie."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.cli import _first_start_demo
from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.patients.models import Patient
from tests.conftest import PASSWORD, Headers
from tests.integration.api.test_pathway_api import (
    CHECKLIST,
    INTAKE,
    PATIENT,
    consented_patient,
    reticular_injection,
)

LIGHT = {**INTAKE, "weight_kg": 15}  # 30 mg polidocanol a day


def start(client: TestClient, pid: int, headers: dict[str, str], **extra: object) -> int:
    response = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST, **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def inject(client: TestClient, sid: int, headers: dict[str, str], **changes: object) -> object:
    body = {**reticular_injection(), **changes}
    return client.post(f"/api/v1/sessions/{sid}/injections", json=body, headers=headers)


def close(client: TestClient, sid: int, headers: dict[str, str]) -> None:
    body = {"compression_given": "stockings", "aftercare_given": True}
    assert client.post(f"/api/v1/sessions/{sid}/close", headers=headers, json=body).is_success


def planned(
    client: TestClient,
    doc: dict[str, str],
    intake: dict[str, object],
    sites: tuple[tuple[str, float], ...],
) -> int:
    pid: int = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    client.post(f"/api/v1/patients/{pid}/evaluations", json=intake, headers=doc)
    for region, diameter in sites:
        finding = {"side": "left", "region": region, "diameter_mm": diameter}
        client.post(f"/api/v1/patients/{pid}/findings", headers=doc, json=finding)
    plan_id = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()["id"]
    assert client.post(f"/api/v1/plans/{plan_id}/approve", headers=doc).status_code == 200
    consent = {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True}
    client.post(f"/api/v1/plans/{plan_id}/consent", headers=doc, json=consent)
    return pid


def test_no_session_after_a_new_screening_finds_a_contraindication(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(client, doc, diameter_mm=2.0)
    client.post(
        f"/api/v1/patients/{pid}/evaluations",
        headers=doc,
        json={**INTAKE, "conditions": ["acute_pe"]},
    )
    refused = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=doc
    )
    assert refused.status_code == 409
    assert "re-evaluated" in refused.json()["errors"][0]["message"]


def test_a_plan_uses_the_history_as_corrected_since_the_evaluation(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=doc)
    client.put(
        f"/api/v1/patients/{pid}/history",
        headers=doc,
        json={"conditions": ["acute_dvt"], "medications": [], "allergies": []},
    )
    refused = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "contraindicated"


def test_the_dose_limit_counts_every_session_of_the_day(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = planned(client, doc, LIGHT, (("leg_medial", 2.0), ("thigh_lateral", 2.0)))
    first = start(client, pid, doc)
    for _ in range(9):  # 27 mg of 30
        assert inject(client, first, doc).status_code == 201
    close(client, first, doc)
    second = start(client, pid, doc, interval_override_reason="second area the same day")
    thigh = {"region": "thigh_lateral"}
    assert inject(client, second, headers["nurse"], **thigh).status_code == 201  # 30 mg
    refused = inject(client, second, headers["nurse"], **thigh)
    assert refused.status_code == 409
    detail = refused.json()["errors"][0]["detail"]
    assert (detail["given"], detail["limit"], detail["remaining"]) == (33.0, 30.0, 0.0)


def test_the_plan_and_the_interval_bind_each_injection(
    client: TestClient, headers: Headers, db: Database
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = planned(client, doc, INTAKE, (("leg_medial", 2.0),))
    sid = start(client, pid, doc)
    elsewhere = inject(client, sid, nurse, region="thigh_anterior")
    assert elsewhere.status_code == 409
    codes = {v["code"] for v in elsewhere.json()["errors"][0]["detail"]["violations"]}
    assert {"not_in_plan", "vein_type_unknown"} <= codes
    sts = inject(client, sid, nurse, agent="sodium_tetradecyl_sulfate", concentration_percent=0.3)
    assert sts.status_code == 409
    assert sts.json()["errors"][0]["code"] == "departs_from_plan"
    owned = inject(
        client,
        sid,
        doc,
        region="thigh_anterior",
        override_reason="feeder vein seen today, documented",
    )
    assert owned.status_code == 201
    with db.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "override")).one()
    assert "not_in_plan" in entry.detail["departures"]


def test_foam_is_refused_when_the_screening_forbids_foam(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    shunt = {**INTAKE, "conditions": ["symptomatic_right_to_left_shunt"]}
    pid = planned(client, doc, shunt, (("leg_medial", 2.0),))
    sid = start(client, pid, doc)
    foam = inject(
        client,
        sid,
        doc,
        technique="foam",
        liquid_gas_ratio="1:4",
        concentration_percent=0.5,
        override_reason="trying anyway",
    )
    assert foam.status_code == 409
    assert foam.json()["errors"][0]["code"] == "contraindicated"
    assert inject(client, sid, doc).status_code == 201  # liquid is not affected


def test_consent_is_signed_on_the_approved_plan_only(client: TestClient, headers: Headers) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=doc)
    client.post(
        f"/api/v1/patients/{pid}/findings",
        headers=doc,
        json={"side": "left", "region": "leg_medial", "diameter_mm": 2.0},
    )
    plan_id = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()["id"]
    consent = {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True}
    draft = client.post(f"/api/v1/plans/{plan_id}/consent", headers=doc, json=consent)
    assert draft.status_code == 409


def test_an_edit_cannot_choose_an_agent_the_patient_is_allergic_to(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    allergic = {**INTAKE, "allergies": ["sodium_tetradecyl_sulfate"]}
    client.post(f"/api/v1/patients/{pid}/evaluations", json=allergic, headers=doc)
    client.post(
        f"/api/v1/patients/{pid}/findings",
        headers=doc,
        json={"side": "left", "region": "leg_medial", "diameter_mm": 2.0},
    )
    plan = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()
    edit = {"technique": "liquid", "agent": "sodium_tetradecyl_sulfate", "reason": "preference"}
    refused = client.put(f"/api/v1/plan-items/{plan['items'][0]['id']}", headers=doc, json=edit)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "agent"


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


def test_numbers_and_dates_too_large_are_refused_not_crashed(
    client: TestClient, headers: Headers
) -> None:
    huge = client.get("/api/v1/patients/99999999999999999999999", headers=headers["nurse"])
    assert huge.status_code == 422
    calendar = client.get(
        "/api/v1/appointments",
        params={"start": "9999-12-31", "days": 2},
        headers=headers["front_desk"],
    )
    assert calendar.status_code == 422


def test_an_appointment_time_with_an_offset_is_kept_as_clinic_wall_time(
    client: TestClient, headers: Headers
) -> None:
    desk = headers["front_desk"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=desk).json()["id"]
    moment = datetime.combine(date.today() + timedelta(days=3), datetime.min.time(), UTC)
    booked = client.post(
        f"/api/v1/patients/{pid}/appointments",
        headers=desk,
        json={"kind": "evaluation", "starts_at": moment.isoformat()},
    )
    assert booked.status_code == 201
    local = moment.astimezone().replace(tzinfo=None)
    assert booked.json()["starts_at"] == local.isoformat()


def test_a_session_cannot_name_another_patients_appointment(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(client, doc, diameter_mm=2.0)
    other = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    when = (datetime.now() + timedelta(days=1)).isoformat()
    appointment = client.post(
        f"/api/v1/patients/{other}/appointments",
        headers=doc,
        json={"kind": "evaluation", "starts_at": when},
    ).json()
    refused = client.post(
        f"/api/v1/patients/{pid}/sessions",
        headers=doc,
        json={"checklist": CHECKLIST, "appointment_id": appointment["id"]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "appointment_id"


def test_the_demo_never_loads_into_a_database_that_has_users(
    db: Database, users: dict[str, auth.User]
) -> None:
    _first_start_demo(db, 5)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 0
        assert session.scalar(select(auth.User).where(auth.User.username == "physician")) is None


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


def test_the_tally_shows_the_day_across_sessions(client: TestClient, headers: Headers) -> None:
    doc = headers["physician"]
    pid = planned(client, doc, LIGHT, (("leg_medial", 2.0), ("thigh_lateral", 2.0)))
    first = start(client, pid, doc)
    inject(client, first, doc)
    close(client, first, doc)
    second = start(client, pid, doc, interval_override_reason="second area the same day")
    inject(client, second, doc, region="thigh_lateral")
    tally = client.get(f"/api/v1/sessions/{second}/tally", headers=doc).json()
    assert tally["totals"] == {"agent_mg": 6.0, "liquid_ml": 0.6, "foam_ml": 0.0, "sts_ml": 0.0}
    assert tally["remaining"]["agent_mg"] == 24.0


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


def test_a_contraindication_recorded_mid_session_stops_the_injections(
    client: TestClient, headers: Headers
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = planned(client, doc, INTAKE, (("leg_medial", 2.0),))
    sid = start(client, pid, doc)
    assert inject(client, sid, nurse).status_code == 201
    history = {"conditions": ["acute_dvt"], "medications": [], "allergies": []}
    client.put(f"/api/v1/patients/{pid}/history", headers=doc, json=history)
    refused = inject(client, sid, nurse)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "contraindicated"


def test_the_finding_named_must_be_where_the_injection_is(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = planned(client, doc, INTAKE, (("leg_medial", 0.5), ("thigh_lateral", 2.0)))
    thigh = next(
        f["id"]
        for f in client.get(f"/api/v1/patients/{pid}/findings", headers=doc).json()
        if f["region"] == "thigh_lateral"
    )
    sid = start(client, pid, doc)
    refused = inject(client, sid, headers["nurse"], finding_id=thigh)  # charted at leg_medial
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "finding_id"


def test_an_interval_override_at_start_covers_the_session(
    client: TestClient, headers: Headers
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = planned(client, doc, INTAKE, (("leg_medial", 2.0),))
    first = start(client, pid, doc)
    inject(client, first, nurse)
    close(client, first, doc)
    second = start(client, pid, doc, interval_override_reason="missed area, same day")
    assert inject(client, second, nurse).status_code == 201


def test_a_physicians_stricter_plan_volume_binds_the_injection(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=doc)
    finding = {"side": "left", "region": "leg_medial", "diameter_mm": 2.0}
    client.post(f"/api/v1/patients/{pid}/findings", headers=doc, json=finding)
    plan = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()
    edit = {"technique": "liquid", "max_volume_per_injection_ml": 0.1, "reason": "fragile skin"}
    client.put(f"/api/v1/plan-items/{plan['items'][0]['id']}", headers=doc, json=edit)
    client.post(f"/api/v1/plans/{plan['id']}/approve", headers=doc)
    consent = {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True}
    client.post(f"/api/v1/plans/{plan['id']}/consent", headers=doc, json=consent)
    sid = start(client, pid, doc)
    refused = inject(client, sid, headers["nurse"], volume_ml=0.2)  # protocol allows 0.3
    assert refused.status_code == 409
    codes = [v["code"] for v in refused.json()["errors"][0]["detail"]["violations"]]
    assert codes == ["above_plan_volume"]


def test_the_front_desk_reads_that_a_physician_overrode_not_why(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = planned(client, doc, INTAKE, (("leg_medial", 2.0),))
    sid = start(client, pid, doc)
    inject(client, sid, doc)
    soon = (datetime.now() + timedelta(days=3)).replace(microsecond=0).isoformat()
    booking = {"kind": "session", "starts_at": soon, "interval_override_reason": "rash resolved"}
    assert (
        client.post(f"/api/v1/patients/{pid}/appointments", headers=doc, json=booking).status_code
        == 201
    )
    seen = {
        role: client.get(f"/api/v1/patients/{pid}/appointments", headers=headers[role]).json()[0]
        for role in ("nurse", "front_desk")
    }
    assert seen["nurse"]["interval_override_reason"] == "rash resolved"
    assert seen["front_desk"]["interval_override_reason"] == "(recorded by a physician)"
