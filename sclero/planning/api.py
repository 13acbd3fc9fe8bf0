"""JSON API of treatment planning and consent."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sclero.planning import service
from sclero.planning.schemas import (
    ApproveIn,
    ConsentIn,
    ConsentOut,
    PlanIn,
    PlanItemEdit,
    PlanItemOut,
    PlanOut,
)
from sclero.web.deps import UoW, may
from sclero.web.versions import IfMatch, etag

router = APIRouter(prefix="/api/v1", tags=["planning"])


@router.post(
    "/patients/{patient_id}/plans",
    response_model=PlanOut,
    status_code=201,
    dependencies=[may(service.propose_plan)],
)
def propose_plan(patient_id: int, data: PlanIn, uow: UoW) -> PlanOut:
    """Draft a plan from the engine's proposal (refused when the screening blocks treatment)."""
    return PlanOut.model_validate(service.propose_plan(uow, patient_id, data))


@router.get(
    "/patients/{patient_id}/plans",
    response_model=list[PlanOut],
    dependencies=[may(service.list_plans)],
)
def list_plans(patient_id: int, uow: UoW) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in service.list_plans(uow, patient_id)]


@router.get("/plans/{plan_id}", response_model=PlanOut, dependencies=[may(service.get_plan)])
def get_plan(plan_id: int, uow: UoW, response: Response) -> PlanOut:
    """The plan; the ETag is its version (an item edit makes a new one)."""
    plan = service.get_plan(uow, plan_id)
    etag(response, plan)
    return PlanOut.model_validate(plan)


@router.put(
    "/plan-items/{item_id}", response_model=PlanItemOut, dependencies=[may(service.edit_item)]
)
def edit_item(
    item_id: int, data: PlanItemEdit, uow: UoW, version: IfMatch, response: Response
) -> PlanItemOut:
    """Change one item; If-Match carries the item's `version` as you read it (412 when stale)."""
    item = service.edit_item(uow, item_id, data, version)
    etag(response, item)
    return PlanItemOut.model_validate(item)


@router.post(
    "/plans/{plan_id}/approve", response_model=PlanOut, dependencies=[may(service.approve_plan)]
)
def approve_plan(
    plan_id: int, uow: UoW, version: IfMatch, response: Response, data: ApproveIn | None = None
) -> PlanOut:
    """Approve a draft as you read it (If-Match: the plan's ETag; 412 if it changed since).
    When the current screening raises a referral or a relative contraindication, the
    physician's written `physician_decision_reason` is required."""
    plan = service.approve_plan(uow, plan_id, data, version)
    etag(response, plan)
    return PlanOut.model_validate(plan)


@router.post(
    "/plans/{plan_id}/consent",
    response_model=ConsentOut,
    status_code=201,
    dependencies=[may(service.sign_consent)],
)
def sign_consent(plan_id: int, data: ConsentIn, uow: UoW) -> ConsentOut:
    return ConsentOut.model_validate(service.sign_consent(uow, plan_id, data))
