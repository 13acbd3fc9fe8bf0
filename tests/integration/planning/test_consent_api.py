"""Consent is signed once per plan, by the patient (their name, however it is typed) or by a
representative who gives the relationship; the printed consent names the patient and the clinic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import as_read, poster
from tests.factories.assessment import vein
from tests.factories.evaluation import INTAKE, evaluate
from tests.factories.patients import register

ZOE = {
    "first_name": "Zoë",
    "last_name": "O'Brien",
    "birth_date": "1985-03-09",
    "sex": "female",
    "weight_kg": 64,
}


def approved_plan(client: TestClient, headers: Headers) -> tuple[int, int]:
    post = poster(client, headers["physician"])
    pid = register(post, ZOE)
    evaluate(post, pid, INTAKE)
    post(f"/patients/{pid}/findings", vein())
    plan = post(f"/patients/{pid}/plans", {})
    sent = as_read(client, f"/plans/{plan['id']}", headers["physician"])
    approved = client.post(f"/api/v1/plans/{plan['id']}/approve", headers=sent)
    assert approved.status_code == 200, approved.text
    return pid, int(plan["id"])


def sign(client: TestClient, headers: Headers, plan_id: int, name: str, **extra: Any) -> Any:
    body = {"signed_by_name": name, "patient_confirms_understanding": True, **extra}
    return client.post(f"/api/v1/plans/{plan_id}/consent", json=body, headers=headers["nurse"])


def test_the_signed_name_must_be_the_patients_however_typed(
    client: TestClient, headers: Headers
) -> None:
    _, plan_id = approved_plan(client, headers)
    wrong = sign(client, headers, plan_id, "Maria Lopez")
    assert wrong.status_code == 422, wrong.text
    error = wrong.json()["errors"][0]
    assert error["field"] == "signed_by_name" and "Zoë O'Brien" in error["message"]
    signed = sign(client, headers, plan_id, "obrien, zoe")
    assert signed.status_code == 201, signed.text


def test_consent_cannot_be_signed_twice_for_a_plan(client: TestClient, headers: Headers) -> None:
    _, plan_id = approved_plan(client, headers)
    assert sign(client, headers, plan_id, "Zoë O'Brien").status_code == 201
    again = sign(client, headers, plan_id, "Zoë O'Brien")
    assert again.status_code == 409
    assert again.json()["errors"][0]["message"] == "Consent to this plan is already signed."


def test_a_representative_signs_with_the_relationship(
    client: TestClient, headers: Headers, signed_in: Callable[[str], TestClient]
) -> None:
    _, plan_id = approved_plan(client, headers)
    signed = sign(client, headers, plan_id, "Siobhan O'Brien", representative_relationship="mother")
    assert signed.status_code == 201, signed.text
    assert signed.json()["representative_relationship"] == "mother"
    page = signed_in("nurse").get(f"/plans/{plan_id}").text
    assert "Signed by <strong>Siobhan O&#39;Brien</strong> (mother, for the patient)" in page


def test_the_printed_consent_names_the_patient_and_the_clinic(
    client: TestClient, headers: Headers, signed_in: Callable[[str], TestClient]
) -> None:
    pid, plan_id = approved_plan(client, headers)
    page = signed_in("nurse").get(f"/plans/{plan_id}").text
    consent = page[page.index('id="consent"') :]
    header = consent[: consent.index('data-testid="consent-text"')]
    mrn = f"SC-{pid:06d}"
    for shown in ("Sclero demo clinic", "O&#39;Brien, Zoë", "09 Mar 1985", mrn):
        assert shown in header, shown
