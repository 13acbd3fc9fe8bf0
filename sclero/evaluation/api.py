"""JSON API of medical evaluation and the engine's public contract (POST /api/v1/evaluate)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from sclero.evaluation import service
from sclero.evaluation.schemas import EvaluationIn, EvaluationOut
from sclero.web.deps import UoW, may
from sclero.web.versions import IfMatch

router = APIRouter(prefix="/api/v1", tags=["evaluation"])


@router.post("/evaluate", dependencies=[may(service.run_engine)])
def evaluate(uow: UoW, case: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Evaluate a case document with the protocol in force; returns the result document.
    Nothing is stored and no patient is identified by the case."""
    return service.run_engine(uow, case)


@router.post(
    "/patients/{patient_id}/evaluations",
    response_model=EvaluationOut,
    status_code=201,
    dependencies=[may(service.record_evaluation)],
)
def record_evaluation(
    patient_id: int, data: EvaluationIn, uow: UoW, version: IfMatch
) -> EvaluationOut:
    """Record an intake; it also replaces the coded history, so If-Match must carry the ETag of
    the patient's record as you read it (GET …/history): 412 if someone changed it since."""
    return EvaluationOut.model_validate(service.record_evaluation(uow, patient_id, data, version))


@router.post(
    "/patients/{patient_id}/evaluations/preview", dependencies=[may(service.preview_evaluation)]
)
def preview_evaluation(patient_id: int, data: EvaluationIn, uow: UoW) -> dict[str, Any]:
    return service.preview_evaluation(uow, patient_id, data)


@router.get(
    "/patients/{patient_id}/evaluations",
    response_model=list[EvaluationOut],
    dependencies=[may(service.list_evaluations)],
)
def list_evaluations(patient_id: int, uow: UoW) -> list[EvaluationOut]:
    return [EvaluationOut.model_validate(e) for e in service.list_evaluations(uow, patient_id)]
