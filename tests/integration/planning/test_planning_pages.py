"""The treatment-plan pages, from proposal to signed consent, signed in with a session cookie."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.evaluation import (
    evaluated_patient,
    new_patient,
)
from tests.factories.web import Signed, submit


def plan_of(client: TestClient, headers: Headers, plan_id: int) -> dict[str, Any]:
    plan: dict[str, Any] = client.get(f"/api/v1/plans/{plan_id}", headers=headers["nurse"]).json()
    return plan


def propose(doctor: Signed, pid: int) -> int:
    made = doctor.post(f"/patients/{pid}/plan")
    assert made.status_code == 303, made.text
    match = re.fullmatch(r"/plans/(\d+)", made.headers["location"])
    assert match
    return int(match.group(1))


def test_a_physician_proposes_a_plan_shown_in_the_engines_order(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    doctor = signed("physician")
    empty = doctor.get(f"/patients/{pid}/plan")
    assert empty.status_code == 200
    assert "Propose plan" in empty.text and "Eligible with precautions" in empty.text
    plan_id = propose(doctor, pid)
    page = doctor.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    html = page.text
    assert html.index("Reticular") < html.index("Telangiectasia")  # larger veins first
    assert "0.5–1 %" in html and "0.3 mL" in html and "Polidocanol" in html
    assert "140 mg" in html and "10 mL" in html
    assert "Expected sessions" in html and "Compression" in html and "Aftercare" in html
    assert "/sources#DGP2020" in html and "Approve plan" in html and "Edit item 1" in html
    assert "Varicose veins and venous insufficiency are treated first" in html
    assert "Risks explained to me" in html  # the consent text generated from the plan
    current = doctor.get(f"/patients/{pid}/plan")
    assert f"Treatment plan {plan_id}" in current.text


def test_a_nurse_sees_the_plan_without_controls_and_may_not_change_it(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    nurse = signed("nurse")
    empty = nurse.get(f"/patients/{pid}/plan")
    assert "Propose plan" not in empty.text and "A physician proposes" in empty.text
    assert nurse.post(f"/patients/{pid}/plan").status_code == 403
    plan_id = propose(signed("physician"), pid)
    page = nurse.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    assert "Approve plan" not in page.text and "Edit item" not in page.text
    item_id = plan_of(client, headers, plan_id)["items"][0]["id"]
    edit = {"technique": "foam", "agent": "polidocanol", "reason": "nurse tries"}
    assert nurse.post(f"/plans/{plan_id}/items/{item_id}", edit).status_code == 403
    assert nurse.post(f"/plans/{plan_id}/approve").status_code == 403
    plan = plan_of(client, headers, plan_id)
    assert plan["status"] == "draft" and not plan["items"][0]["departs_from_proposal"]


def test_a_contraindicated_patient_gets_no_plan_and_sees_why(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers, conditions=["acute_dvt"])
    refused = signed("physician").post(f"/patients/{pid}/plan")
    assert refused.status_code == 409
    assert 'data-testid="refusal"' in refused.text
    assert "the screening says contraindicated" in refused.text
    assert "Acute deep vein thrombosis" in refused.text
    plans = client.get(f"/api/v1/patients/{pid}/plans", headers=headers["nurse"]).json()
    assert plans == []


def test_a_patient_without_evaluation_is_asked_to_evaluate_first(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers, findings=(0.5,))
    refused = signed("physician").post(f"/patients/{pid}/plan")
    assert refused.status_code == 409
    assert "no medical evaluation yet" in refused.text


def test_an_edit_needs_a_reason_and_then_shows_the_departure(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    doctor = signed("physician")
    plan_id = propose(doctor, pid)
    item = plan_of(client, headers, plan_id)["items"][0]
    change = {
        "technique": "liquid",
        "agent": "polidocanol",
        "concentration_min": "0.5",
        "concentration_max": "0.75",
        "max_volume_per_injection_ml": "0.25",
    }
    refused = doctor.post(f"/plans/{plan_id}/items/{item['id']}", {**change, "reason": ""})
    assert refused.status_code == 422
    assert f'id="i{item["id"]}-e-reason" role="alert">Give the reason' in refused.text
    assert 'value="0.75"' in refused.text  # what the physician typed is kept
    assert plan_of(client, headers, plan_id)["items"][0] == item  # nothing half-saved
    upside_down = doctor.post(
        f"/plans/{plan_id}/items/{item['id']}",
        {**change, "concentration_min": "1", "reason": "smaller dose"},
    )
    assert upside_down.status_code == 422
    assert "must not be below the lowest" in upside_down.text
    done = submit(
        doctor,
        f"/plans/{plan_id}",
        f"/plans/{plan_id}/items/{item['id']}",
        {**change, "reason": "sensitive skin"},
    )
    assert done.status_code == 303
    page = doctor.get(f"/plans/{plan_id}")
    assert "Departs from proposal: sensitive skin" in page.text
    assert "0.5–0.75 %" in page.text and "Proposed: Liquid" in page.text
    edited = plan_of(client, headers, plan_id)["items"][0]
    assert edited["concentration_max"] == 0.75 and edited["departure_reason"] == "sensitive skin"


def test_approval_and_the_signed_consent(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    doctor, nurse = signed("physician"), signed("nurse")
    plan_id = propose(doctor, pid)
    assert submit(doctor, f"/plans/{plan_id}", f"/plans/{plan_id}/approve").status_code == 303
    approved = doctor.get(f"/plans/{plan_id}")
    assert 'data-testid="plan-status">Approved' in approved.text
    assert "Approve plan" not in approved.text and "Edit item" not in approved.text
    again = doctor.post(f"/plans/{plan_id}/approve")
    assert again.status_code == 409 and "only a draft can be approved" in again.text

    unconfirmed = nurse.post(f"/plans/{plan_id}/consent", {"signed_by_name": "Maria Lopez"})
    assert unconfirmed.status_code == 422
    assert 'id="e-confirm" role="alert">The patient must confirm' in unconfirmed.text
    assert 'value="Maria Lopez"' in unconfirmed.text
    nameless = nurse.post(f"/plans/{plan_id}/consent", {"patient_confirms_understanding": "true"})
    assert nameless.status_code == 422 and "Type the patient" in nameless.text
    assert re.search(r'name="patient_confirms_understanding"[^>]*\n?\s*checked', nameless.text)
    signed_ok = nurse.post(
        f"/plans/{plan_id}/consent",
        {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": "true"},
    )
    assert signed_ok.status_code == 303
    page = nurse.get(f"/plans/{plan_id}")
    assert "Signed by <strong>Maria Lopez</strong>" in page.text
    assert "witnessed by Test nurse" in page.text
    assert "Record signed consent" not in page.text
    assert 'data-print="print-consent"' in page.text
