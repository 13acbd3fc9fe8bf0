"""Each injection is bound by the protocol, the approved plan and the current screening; a
refusal changes nothing and a physician may override with a reason."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.charting.models import Injection
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.api import as_read, match, poster
from tests.factories.assessment import vein
from tests.factories.charting import (
    CHECKLIST,
    inject,
    reticular_injection,
    start,
)
from tests.factories.evaluation import INTAKE, post_evaluation
from tests.factories.patients import PATIENT
from tests.factories.planning import consented_patient


def test_a_refused_injection_changes_nothing(
    client: TestClient, headers: Headers, db: Database
) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc))
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
    pid = consented_patient(poster(client, doc))
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


def test_the_plan_and_the_interval_bind_each_injection(
    client: TestClient, headers: Headers, db: Database
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = consented_patient(poster(client, doc))
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
    pid = consented_patient(poster(client, doc), intake=shunt, veins=[vein("leg_medial", 2.0)])
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


def test_a_contraindication_recorded_mid_session_stops_the_injections(
    client: TestClient, headers: Headers
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = consented_patient(poster(client, doc))
    sid = start(client, pid, doc)
    assert inject(client, sid, nurse).status_code == 201
    history = {"conditions": ["acute_dvt"], "medications": [], "allergies": []}
    client.put(
        f"/api/v1/patients/{pid}/history",
        headers=as_read(client, f"/patients/{pid}/history", doc),
        json=history,
    )
    refused = inject(client, sid, nurse)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "contraindicated"


def test_the_finding_named_must_be_where_the_injection_is(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(
        poster(client, doc), veins=[vein("leg_medial", 0.5), vein("thigh_lateral", 2.0)]
    )
    thigh = next(
        f["id"]
        for f in client.get(f"/api/v1/patients/{pid}/findings", headers=doc).json()
        if f["region"] == "thigh_lateral"
    )
    sid = start(client, pid, doc)
    refused = inject(client, sid, headers["nurse"], finding_id=thigh)  # charted at leg_medial
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "finding_id"


def test_a_physicians_stricter_plan_volume_binds_the_injection(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    post_evaluation(client, pid, INTAKE, doc)
    finding = {"side": "left", "region": "leg_medial", "diameter_mm": 2.0}
    client.post(f"/api/v1/patients/{pid}/findings", headers=doc, json=finding)
    plan = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()
    edit = {"technique": "liquid", "max_volume_per_injection_ml": 0.1, "reason": "fragile skin"}
    client.put(
        f"/api/v1/plan-items/{plan['items'][0]['id']}",
        headers={**doc, **match(plan["items"][0]["version"])},
        json=edit,
    )
    client.post(
        f"/api/v1/plans/{plan['id']}/approve", headers=as_read(client, f"/plans/{plan['id']}", doc)
    )
    consent = {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True}
    client.post(f"/api/v1/plans/{plan['id']}/consent", headers=doc, json=consent)
    sid = start(client, pid, doc)
    refused = inject(client, sid, headers["nurse"], volume_ml=0.2)  # protocol allows 0.3
    assert refused.status_code == 409
    codes = [v["code"] for v in refused.json()["errors"][0]["detail"]["violations"]]
    assert codes == ["above_plan_volume"]
