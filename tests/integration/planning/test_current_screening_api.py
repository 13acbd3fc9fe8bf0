"""Approval, session start and every injection use the screening as it stands now — the current
history and the current vein map. A referral the protocol requires blocks approval and foam until
it is resolved (a duplex recorded) or a physician decides with a written reason (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.factories.api import as_read
from tests.factories.evaluation import post_evaluation

Headers = dict[str, dict[str, str]]
PATIENT = {"first_name": "Lena", "last_name": "Stale", "birth_date": "1980-02-02",
           "sex": "female", "weight_kg": 64}  # fmt: skip
INTAKE = {"weight_kg": 64, "pregnant": False, "breastfeeding": False,
          "conditions": [], "medications": [], "allergies": []}  # fmt: skip
CHECKLIST = dict.fromkeys(
    ("identity_confirmed", "consent_confirmed", "not_pregnant", "no_new_clot", "no_infection",
     "skin_clean"),
    True,
)  # fmt: skip
CONSENT = {"signed_by_name": "Lena Stale", "patient_confirms_understanding": True}


def screened_patient(client: TestClient, headers: Headers, diameter: float = 0.6) -> int:
    pid: int = client.post("/api/v1/patients", json=PATIENT, headers=headers["front_desk"]).json()[
        "id"
    ]
    finding(client, headers, pid, diameter)
    done = post_evaluation(client, pid, INTAKE, headers["nurse"])
    assert done.status_code == 201, done.text
    return pid


def finding(client: TestClient, headers: Headers, pid: int, diameter: float) -> dict[str, Any]:
    body = {"side": "left", "region": "thigh_medial", "diameter_mm": diameter}
    made = client.post(f"/api/v1/patients/{pid}/findings", json=body, headers=headers["nurse"])
    assert made.status_code == 201, made.text
    return dict(made.json())


def propose(client: TestClient, headers: Headers, pid: int) -> int:
    plan = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=headers["physician"])
    assert plan.status_code == 201, plan.text
    return int(plan.json()["id"])


def test_a_vein_mapped_after_the_screening_blocks_approval_until_a_physician_decides(
    client: TestClient, headers: Headers, db: Database
) -> None:
    pid = screened_patient(client, headers)  # screened on a spider vein only: eligible
    finding(client, headers, pid, 4.0)  # a varicose vein mapped afterwards
    plan_id = propose(client, headers, pid)
    refused = client.post(
        f"/api/v1/plans/{plan_id}/approve",
        headers=as_read(client, f"/plans/{plan_id}", headers["physician"]),
    )
    assert refused.status_code == 409, refused.text
    error = refused.json()["errors"][0]
    assert error["code"] == "needs_physician_decision"
    assert "duplex" in error["message"] and "[SEED-000, SEED-001]" in error["message"]
    reason = {"physician_decision_reason": "Duplex done at the vein centre last week: no reflux."}
    approved = client.post(
        f"/api/v1/plans/{plan_id}/approve",
        json=reason,
        headers=as_read(client, f"/plans/{plan_id}", headers["physician"]),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["physician_decision_codes"] == ["duplex_before_treatment"]
    with db.sessions() as session:
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "treatment_plan", AuditEntry.action == "approve"
            )
        )
        assert entry is not None and entry.detail is not None
        assert entry.detail["reason"] == reason["physician_decision_reason"]


def test_a_recorded_duplex_resolves_the_referral(client: TestClient, headers: Headers) -> None:
    pid = screened_patient(client, headers, diameter=4.0)
    duplex = {"performed_on": date.today().isoformat()}
    assert client.post(
        f"/api/v1/patients/{pid}/duplex", json=duplex, headers=headers["nurse"]
    ).is_success
    plan_id = propose(client, headers, pid)
    approved = client.post(
        f"/api/v1/plans/{plan_id}/approve",
        headers=as_read(client, f"/plans/{plan_id}", headers["physician"]),
    )
    assert approved.status_code == 200, approved.text


def test_a_vein_mapped_after_approval_stops_the_session(
    client: TestClient, headers: Headers
) -> None:
    pid = screened_patient(client, headers)
    plan_id = propose(client, headers, pid)
    assert client.post(
        f"/api/v1/plans/{plan_id}/approve",
        headers=as_read(client, f"/plans/{plan_id}", headers["physician"]),
    ).is_success
    assert client.post(
        f"/api/v1/plans/{plan_id}/consent", json=CONSENT, headers=headers["nurse"]
    ).is_success
    finding(client, headers, pid, 4.5)
    started = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=headers["nurse"]
    )
    assert started.status_code == 409, started.text
    error = started.json()["errors"][0]
    assert error["code"] == "needs_physician_decision" and "duplex" in error["message"]


def test_a_referral_raised_mid_session_refuses_foam_until_a_physician_owns_it(
    client: TestClient, headers: Headers
) -> None:
    pid = screened_patient(client, headers)
    plan_id = propose(client, headers, pid)
    assert client.post(
        f"/api/v1/plans/{plan_id}/approve",
        headers=as_read(client, f"/plans/{plan_id}", headers["physician"]),
    ).is_success
    assert client.post(
        f"/api/v1/plans/{plan_id}/consent", json=CONSENT, headers=headers["nurse"]
    ).is_success
    started = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=headers["nurse"]
    )
    assert started.status_code == 201, started.text
    vein = finding(client, headers, pid, 4.5)
    foam = {"side": "left", "region": "thigh_medial", "agent": "polidocanol", "technique": "foam",
            "concentration_percent": 0.5, "volume_ml": 0.5, "finding_id": vein["id"],
            "liquid_gas_ratio": "1:4"}  # fmt: skip
    sid = started.json()["id"]
    refused = client.post(f"/api/v1/sessions/{sid}/injections", json=foam, headers=headers["nurse"])
    assert refused.status_code == 409, refused.text
    codes = [v["code"] for v in refused.json()["errors"][0]["detail"]["violations"]]
    assert "undecided_duplex_before_treatment" in codes
