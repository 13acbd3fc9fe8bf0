"""Pages of the medical evaluation: the intake form with the engine's live decision, and saving."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core import audit
from sclero.core.db import Database, UnitOfWork
from sclero.core.errors import DomainError, Forbidden, PreconditionFailed, PreconditionRequired
from sclero.evaluation import service
from sclero.evaluation.schemas import EvaluationIn
from sclero.patients import service as patients
from sclero.rules.vocabulary import Allergy, Condition, Medication
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import domain_errors, form_values, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render
from sclero.web.versions import form_version

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
def evaluation_preview(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    values: Annotated[dict[str, Any], Depends(form_values(LISTS))],
) -> HTMLResponse:
    """The result panel for the answers typed so far (HTMX swaps it; nothing is saved)."""
    form_version(values)  # the preview saves nothing: the version matters only on saving
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
def save_evaluation(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    values: Annotated[dict[str, Any], Depends(form_values(LISTS))],
) -> Response:
    """Save the intake with the protocol's decision, then go back to the chart."""
    version = form_version(values)
    data, errors = validate(EvaluationIn, values)
    stale = False
    if data is not None:
        try:
            with db.uow(actor) as uow:
                service.record_evaluation(uow, patient_id, data, version)
            return RedirectResponse(f"/patients/{patient_id}", 303)
        except Forbidden:
            raise
        except (PreconditionFailed, PreconditionRequired):
            stale = True  # re-shown with what the other person changed since
        except DomainError as error:
            errors = domain_errors(error)
    with db.uow(actor) as uow:
        shown, _ = validate(EvaluationIn, values)
        result = service.preview_evaluation(uow, patient_id, shown) if shown else None
        status = 412 if stale else 422
        return _page(request, uow, patient_id, values, _friendly(errors), result, status, version)


def _page(
    request: Request,
    uow: UnitOfWork,
    patient_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
    result: dict[str, Any] | None,
    status: int = 200,
    stale_version: int | None = None,
) -> HTMLResponse:
    """The intake page; after a save refused as stale (`status` 412), with what others changed
    on the record since `stale_version` and the form on the record's current version."""
    patient = patients.get_patient(uow, patient_id)
    conflict = None
    if status == 412:
        conflict = audit.changes_since(uow, patients.RECORD_ENTITIES, patient_id, stale_version)
    context = {
        "patient": patient,
        "version": patient.version,
        "conflict": conflict,
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
