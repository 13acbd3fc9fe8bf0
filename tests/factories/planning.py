"""A patient with a consented plan — the one place the pathway up to treatment is set up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient

from tests.factories.api import Post, as_read
from tests.factories.assessment import vein
from tests.factories.evaluation import INTAKE, evaluate
from tests.factories.patients import PATIENT, register


def approve(
    client: TestClient, plan_id: int, headers: dict[str, str], body: dict[str, Any] | None = None
) -> Any:
    """Approve the plan as it stands (its ETag read first); the response, refused or not."""
    sent = as_read(client, f"/plans/{plan_id}", headers)
    return client.post(f"/api/v1/plans/{plan_id}/approve", json=body, headers=sent)


def consent(signed_by: str = "Maria Lopez") -> dict[str, Any]:
    return {"signed_by_name": signed_by, "patient_confirms_understanding": True}


def consented_plan(
    post: Post,
    patient_id: int,
    *,
    intake: dict[str, Any] = INTAKE,
    veins: Sequence[dict[str, Any]] = (vein(),),
    signed_by: str = "Maria Lopez",
) -> int:
    """Evaluate the patient, map `veins`, propose the plan, approve it and sign consent; the plan's
    id. `post` must be a physician's: only a physician approves."""
    evaluate(post, patient_id, intake)
    for finding in veins:
        post(f"/patients/{patient_id}/findings", finding)
    plan = post(f"/patients/{patient_id}/plans", {})
    plan_id = int(plan["id"])
    approved = post(f"/plans/{plan_id}/approve", {}, if_match=plan["version"])
    assert approved["status"] == "approved"
    post(f"/plans/{plan_id}/consent", consent(signed_by))
    return plan_id


def consented_patient(post: Post, *, patient: dict[str, Any] | None = None, **plan: Any) -> int:
    """A new patient ready for a session: evaluated, mapped, an approved plan and signed consent
    (see consented_plan for the choices); the patient's id."""
    pid = register(post, patient)
    person = patient or PATIENT
    plan.setdefault("signed_by", f"{person['first_name']} {person['last_name']}")  # the patient
    consented_plan(post, pid, **plan)
    return pid
