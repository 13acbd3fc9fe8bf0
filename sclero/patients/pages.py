"""Pages of the patient register: find and register patients (the chart lives in sclero/record/)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core import audit
from sclero.core.db import Database, UnitOfWork
from sclero.core.errors import (
    DomainError,
    Forbidden,
    PossibleDuplicate,
    PreconditionFailed,
    PreconditionRequired,
)
from sclero.core.use_case import allowed
from sclero.patients import service
from sclero.patients.models import Patient
from sclero.patients.schemas import PatientIn, PatientUpdate
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import FormValues, domain_errors, is_htmx, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render
from sclero.web.versions import form_version

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
PAGE_SIZE = 25
CONFIRM = "confirm_not_duplicate"
DB = Annotated[Database, Depends(get_db)]


@router.get("/patients", response_class=HTMLResponse)
def patient_list(
    request: Request,
    actor: PageActor,
    db: DB,
    q: Annotated[str | None, Query(max_length=100)] = None,
    birth_date: Annotated[str | None, Query(max_length=10)] = None,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Search by name or record number, birth date and phone; HTMX swaps only the results."""
    born, error = _parse_date(birth_date)
    rows: list[Any] = []
    total = 0
    if not error:
        with db.uow(actor) as uow:
            rows, total = service.search_patients(
                uow,
                q=q or None,
                birth_date=born,
                phone=phone or None,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
    context = {
        "rows": rows,
        "total": total,
        "q": q or "",
        "birth_date": birth_date or "",
        "phone": phone or "",
        "page": page,
        "size": PAGE_SIZE,
        "errors": {"birth_date": error} if error else {},
    }
    name = "patients/_results.html" if is_htmx(request) else "patients/list.html"
    return render(request, name, context, actor=actor)


def _parse_date(text: str | None) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, "Enter the birth date as YYYY-MM-DD."


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_form(request: Request, actor: PageActor) -> HTMLResponse:
    if not allowed(actor, service.create_patient):
        raise Forbidden(f"Your role ({actor.role}) may not register patients.")
    return render(request, "patients/new.html", {"values": {}, "errors": {}}, actor=actor)


@router.post("/patients/new", response_model=None)
def create_patient(request: Request, actor: PageActor, db: DB, values: FormValues) -> Response:
    values[CONFIRM] = values.get(CONFIRM) == "true"
    data, errors = validate(PatientIn, values)
    duplicates: list[dict[str, Any]] = []
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                patient_id = service.create_patient(uow, data).id
            return RedirectResponse(f"/patients/{patient_id}", 303)
        except PossibleDuplicate as error:
            duplicates, status = error.detail["patients"], 409  # the user confirms, or opens one
        except DomainError as error:
            errors = domain_errors(error)
    context = {"values": values, "errors": errors, "duplicates": duplicates}
    return render(request, "patients/new.html", context, actor=actor, status_code=status)


@router.get("/patients/{patient_id}/edit", response_class=HTMLResponse)
def edit_patient_form(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """The patient's details to correct (front desk and clinicians)."""
    with db.uow(actor) as uow:
        patient = service.get_patient(uow, patient_id)
        values = {name: getattr(patient, name) for name in service.DETAIL_FIELDS}
        return _edit_page(request, uow, patient, values, {})


@router.post("/patients/{patient_id}/edit", response_model=None)
def edit_patient(
    request: Request, patient_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Save the corrected details, made on the version the form was opened on."""
    version = form_version(values)
    fields = {name: values.get(name) for name in service.DETAIL_FIELDS}
    data, errors = validate(PatientUpdate, fields)
    status, stale = 422, False
    if data is not None:
        try:
            with db.uow(actor) as uow:
                service.update_patient(uow, patient_id, data, version)
            return RedirectResponse(f"/patients/{patient_id}?saved=details", 303)
        except (PreconditionFailed, PreconditionRequired):
            status, stale = 412, True
        except Forbidden:
            raise
        except DomainError as error:
            errors = domain_errors(error)
    with db.uow(actor) as uow:
        patient = service.get_patient(uow, patient_id)
        conflict = (
            audit.changes_since(uow, service.RECORD_ENTITIES, patient_id, version)
            if stale
            else None
        )
        return _edit_page(request, uow, patient, fields, errors, status, conflict, version)


def _edit_page(
    request: Request,
    uow: UnitOfWork,
    patient: Patient,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    conflict: list[audit.Change] | None = None,
    version: int | None = None,
) -> HTMLResponse:
    """The edit form; refused as stale, it is on the record's current version (with what the
    other person changed), otherwise on the version it was opened on."""
    context = {
        "patient": patient,
        "values": values,
        "errors": errors,
        "conflict": conflict,
        "version": patient.version if conflict is not None or version is None else version,
    }
    return render(request, "patients/edit.html", context, actor=uow.actor, status_code=status)
