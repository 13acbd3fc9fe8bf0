"""Pages of the patient register: find and register patients (the chart lives in sclero/record/)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core.db import Database
from sclero.core.errors import DomainError, Forbidden
from sclero.patients import service
from sclero.patients.schemas import PatientIn
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import domain_errors, is_htmx, read_form, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
PAGE_SIZE = 25
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
        "pages": max(1, -(-total // PAGE_SIZE)),
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
    _require_identity_role(actor.role)
    return render(request, "patients/new.html", {"values": {}, "errors": {}}, actor=actor)


@router.post("/patients/new", response_model=None)
async def create_patient(request: Request, actor: PageActor, db: DB) -> Response:
    values = await read_form(request)
    data, errors = validate(PatientIn, values)
    if data is not None:
        try:
            with db.uow(actor) as uow:
                patient_id = service.create_patient(uow, data).id
            return RedirectResponse(f"/patients/{patient_id}", 303)
        except DomainError as error:
            errors = domain_errors(error)
    return render(
        request,
        "patients/new.html",
        {"values": values, "errors": errors},
        actor=actor,
        status_code=422,
    )


def _require_identity_role(role: str) -> None:
    if role not in service.IDENTITY_ROLES:
        raise Forbidden(f"Your role ({role}) may not register patients.")
