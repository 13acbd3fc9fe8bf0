"""Pages of the medical evaluation: the intake form with the engine's live decision, and saving."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core.db import Database, UnitOfWork
from sclero.core.errors import DomainError, Forbidden
from sclero.evaluation import service
from sclero.evaluation.schemas import EvaluationIn
from sclero.patients import service as patients
from sclero.rules.vocabulary import Allergy, Condition, Medication
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import domain_errors, read_form, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
LISTS = ("conditions", "medications", "allergies")
CHOICES = {
    "conditions": [(c.value, c.label) for c in Condition],
    "medications": [(m.value, m.label) for m in Medication],
    "allergies": [(a.value, a.label) for a in Allergy],
}
MESSAGES = {"weight_kg": "Enter the weight in kg: more than 0 and at most 400."}


@router.get("/patients/{patient_id}/evaluation", response_class=HTMLResponse)
def evaluation_form(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """The intake form, pre-filled from the record, with the decision for those answers."""
    with db.uow(actor) as uow:
        values = service.intake_defaults(uow, patient_id)
        data, _ = validate(EvaluationIn, values)
        result = service.preview_evaluation(uow, patient_id, data) if data else None
        return _page(request, uow, patient_id, values, {}, result)


@router.post("/patients/{patient_id}/evaluation/preview", response_class=HTMLResponse)
async def evaluation_preview(
    request: Request, patient_id: int, actor: PageActor, db: DB
) -> HTMLResponse:
    """The result panel for the answers typed so far (HTMX swaps it; nothing is saved)."""
    values = await read_form(request, lists=LISTS)
    data, errors = validate(EvaluationIn, values)
    result = None
    with db.uow(actor) as uow:
        if data is not None:
            try:
                result = service.preview_evaluation(uow, patient_id, data)
            except Forbidden:
                raise
            except DomainError as error:
                errors = domain_errors(error)
        return render(
            request,
            "evaluation/_result.html",
            {"result": result, "errors": _friendly(errors)},
            actor=actor,
        )


@router.post("/patients/{patient_id}/evaluation", response_model=None)
async def save_evaluation(request: Request, patient_id: int, actor: PageActor, db: DB) -> Response:
    """Save the intake with the protocol's decision, then go back to the chart."""
    values = await read_form(request, lists=LISTS)
    data, errors = validate(EvaluationIn, values)
    if data is not None:
        try:
            with db.uow(actor) as uow:
                service.record_evaluation(uow, patient_id, data)
            return RedirectResponse(f"/patients/{patient_id}", 303)
        except Forbidden:
            raise
        except DomainError as error:
            errors = domain_errors(error)
    with db.uow(actor) as uow:
        shown, _ = validate(EvaluationIn, values)
        result = service.preview_evaluation(uow, patient_id, shown) if shown else None
        return _page(request, uow, patient_id, values, _friendly(errors), result, status=422)


def _page(
    request: Request,
    uow: UnitOfWork,
    patient_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
    result: dict[str, Any] | None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "patient": patients.get_patient(uow, patient_id),
        "evaluations": service.list_evaluations(uow, patient_id),
        "values": values,
        "errors": errors,
        "result": result,
        "choices": CHOICES,
    }
    return render(request, "evaluation/form.html", context, actor=uow.actor, status_code=status)


def _friendly(errors: dict[str, str]) -> dict[str, str]:
    """One message per form field (`conditions[2]` → `conditions`), worded for the clinic."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        field = key.split("[")[0].split(".")[0]
        shown.setdefault(field, MESSAGES.get(field, message))
    return shown
