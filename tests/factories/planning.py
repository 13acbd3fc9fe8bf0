"""A patient with a consented plan — the one place the pathway up to treatment is set up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.factories.api import Post
from tests.factories.assessment import vein
from tests.factories.evaluation import INTAKE
from tests.factories.patients import register


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
    post(f"/patients/{patient_id}/evaluations", intake)
    for finding in veins:
        post(f"/patients/{patient_id}/findings", finding)
    plan_id = int(post(f"/patients/{patient_id}/plans", {})["id"])
    assert post(f"/plans/{plan_id}/approve", {})["status"] == "approved"
    post(f"/plans/{plan_id}/consent", consent(signed_by))
    return plan_id


def consented_patient(post: Post, *, patient: dict[str, Any] | None = None, **plan: Any) -> int:
    """A new patient ready for a session: evaluated, mapped, an approved plan and signed consent
    (see consented_plan for the choices); the patient's id."""
    pid = register(post, patient)
    consented_plan(post, pid, **plan)
    return pid
