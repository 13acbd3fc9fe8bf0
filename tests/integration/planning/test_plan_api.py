"""A plan follows the current history and the allergies; consent is signed on the approved plan
only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import as_read, match
from tests.factories.evaluation import INTAKE, post_evaluation
from tests.factories.patients import PATIENT


def test_a_contraindicated_patient_gets_no_plan(client: TestClient, headers: Headers) -> None:
    pid = client.post("/api/v1/patients", json=PATIENT, headers=headers["nurse"]).json()["id"]
    screened = post_evaluation(
        client, pid, {**INTAKE, "conditions": ["acute_dvt"]}, headers["nurse"]
    )
    assert screened.json()["decision"] == "contraindicated"
    refused = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=headers["physician"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "contraindicated"


def test_a_plan_uses_the_history_as_corrected_since_the_evaluation(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    post_evaluation(client, pid, INTAKE, doc)
    client.put(
        f"/api/v1/patients/{pid}/history",
        headers=as_read(client, f"/patients/{pid}/history", doc),
        json={"conditions": ["acute_dvt"], "medications": [], "allergies": []},
    )
    refused = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "contraindicated"


def test_consent_is_signed_on_the_approved_plan_only(client: TestClient, headers: Headers) -> None:
    doc = headers["physician"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=doc).json()["id"]
    post_evaluation(client, pid, INTAKE, doc)
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
    post_evaluation(client, pid, allergic, doc)
    client.post(
        f"/api/v1/patients/{pid}/findings",
        headers=doc,
        json={"side": "left", "region": "leg_medial", "diameter_mm": 2.0},
    )
    plan = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()
    edit = {"technique": "liquid", "agent": "sodium_tetradecyl_sulfate", "reason": "preference"}
    refused = client.put(
        f"/api/v1/plan-items/{plan['items'][0]['id']}",
        headers={**doc, **match(plan["items"][0]["version"])},
        json=edit,
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "agent"
