"""Pages of adverse events: report a complication (triaged by the protocol, urgent-care signs
shown first), grade and manage it, and close it with its outcome (physicians)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.adverse_events import queries, service
from sclero.adverse_events.choices import EventStatus
from sclero.adverse_events.schemas import (
    EVENT_LABELS,
    EVENT_TYPES,
    OUTCOME_LABELS,
    OUTCOMES,
    SEVERITIES,
    SEVERITY_LABELS,
    AdverseEventClose,
    AdverseEventIn,
    AdverseEventReview,
    AdverseEventUpdate,
    symptom_label,
)
from sclero.charting import service as charting
from sclero.core import audit
from sclero.core.db import Database, UnitOfWork
from sclero.core.errors import DomainError, Forbidden, PreconditionFailed, PreconditionRequired
from sclero.core.use_case import allowed, roles_of
from sclero.patients import queries as patient_queries
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import FormValues, domain_errors, form_values, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render
from sclero.web.versions import FIELD as VERSION
from sclero.web.versions import form_version

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
LEVEL_TITLES = {
    "urgent_care": "Urgent-care signs",
    "contact_clinic": "Contact the clinic",
    "routine": "Common, routine",
}


def _page(
    request: Request,
    uow: UnitOfWork,
    patient_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    row: tuple[int, str, dict[str, Any], dict[str, str]] | None = None,
    conflict: list[audit.Change] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page; `row` re-opens one event's grade or close form with its values and errors."""
    events = service.list_events(uow, patient_id)
    events.sort(key=lambda e: e.status != EventStatus.OPEN)  # open first; stable keeps newest first
    sessions = charting.list_sessions(uow, patient_id)
    reported = request.query_params.get("reported")
    return render(
        request,
        "adverse_events/adverse_events.html",
        {
            "patient": patient_queries.load_patient(uow, patient_id),
            "events": events,
            "reported": next((e for e in events if str(e.id) == reported), None),
            "sessions": sessions,
            "sessions_by_id": {s.id: s for s in sessions},
            "session_options": [(s.id, f"{s.started_at:%d %b %Y} ({s.status})") for s in sessions],
            "values": values or {"onset_date": uow.today().isoformat(), "symptoms": []},
            "errors": errors or {},
            "row_id": row[0] if row else None,
            "row_form": row[1] if row else None,
            "row_values": row[2] if row else {},
            "row_errors": row[3] if row else {},
            "row_conflict": conflict,
            "groups": queries.symptoms_by_level(),
            "urgent_sources": queries.urgent_sources(),
            "level_titles": LEVEL_TITLES,
            "event_types": [(code, EVENT_LABELS.get(code, code)) for code in EVENT_TYPES],
            "event_labels": EVENT_LABELS,
            "severities": [(code, SEVERITY_LABELS[code]) for code in SEVERITIES],
            "severity_labels": SEVERITY_LABELS,
            "outcomes": [(code, OUTCOME_LABELS[code]) for code in OUTCOMES],
            "outcome_labels": OUTCOME_LABELS,
            "symptom_label": symptom_label,
            "may_review": allowed(uow.actor, service.review),
            "may_close": allowed(uow.actor, service.close),
            "holds": queries.event_holds(uow, events),
        },
        actor=uow.actor,
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/adverse-events", response_class=HTMLResponse)
def adverse_events(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """Report a complication; open events first, each with its triage and management."""
    with db.uow(actor) as uow:
        return _page(request, uow, patient_id)


@router.post("/patients/{patient_id}/adverse-events", response_model=None)
def report(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    values: Annotated[dict[str, Any], Depends(form_values(("symptoms",)))],
) -> Response:
    data, errors = validate(
        AdverseEventIn,
        {
            "event_type": values.get("event_type"),
            "symptoms": values.get("symptoms") or [],
            "onset_date": values.get("onset_date"),
            "severity": values.get("severity"),
            "session_id": values.get("session_id"),
            "management": values.get("management"),
        },
    )
    errors = {("symptoms" if k.startswith("symptoms") else k): v for k, v in errors.items()}
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                event_id = service.report(uow, patient_id, data).id
            return RedirectResponse(
                f"/patients/{patient_id}/adverse-events?reported={event_id}", 303
            )
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            errors, status = domain_errors(error), error.status_code
    with db.uow(actor) as uow:
        return _page(request, uow, patient_id, values=values, errors=errors, status_code=status)


@router.post("/adverse-events/{event_id}/update", response_model=None)
def update(
    request: Request, event_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Re-grade an open event or write down how it is managed."""
    data, errors = validate(
        AdverseEventUpdate,
        {"severity": values.get("severity"), "management": values.get("management")},
    )
    return _event_action(request, actor, db, event_id, "update", values, data, errors)


@router.post("/adverse-events/{event_id}/close", response_model=None)
def close(
    request: Request, event_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """A physician closes an event with its outcome."""
    if not allowed(actor, service.close):
        raise Forbidden(f"Your role ({actor.role}) may not close an adverse event.")
    data, errors = validate(
        AdverseEventClose,
        {"outcome": values.get("outcome"), "management": values.get("management")},
    )
    return _event_action(request, actor, db, event_id, "close", values, data, errors)


@router.post("/adverse-events/{event_id}/review", response_model=None)
def review(
    request: Request, event_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """A physician reviews an urgent event, lifting its hold on new sessions."""
    if not allowed(actor, service.review):
        raise Forbidden(f"Your role ({actor.role}) may not review an urgent adverse event.")
    data, errors = validate(AdverseEventReview, {"note": values.get("note")})
    return _event_action(request, actor, db, event_id, "review", values, data, errors)


ACTIONS: dict[str, Callable[..., Any]] = {
    "update": service.update,
    "close": service.close,
    "review": service.review,
}
VERSIONED = ("update", "close")
"""The forms that change the event itself (a review lifts its hold, once: nothing to lose)."""


def _event_action(
    request: Request,
    actor: Any,
    db: Database,
    event_id: int,
    form: str,
    values: dict[str, Any],
    data: Any,
    errors: dict[str, str],
) -> Response:
    action = ACTIONS[form]
    version = form_version(values)
    with db.uow(actor) as uow:
        uow.require_role(*roles_of(action))
        patient_id = queries.load_event(uow, event_id).patient_id
    status, conflict = 422, None
    if data is not None:
        try:
            with db.uow(actor) as uow:
                action(uow, event_id, data, *([version] if form in VERSIONED else []))
            return RedirectResponse(
                f"/patients/{patient_id}/adverse-events?changed={event_id}#event-{event_id}", 303
            )
        except (PreconditionFailed, PreconditionRequired):
            status = 412  # shown with what the other person changed, on the current version
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            errors, status = domain_errors(error), error.status_code
    if status != 412:
        values[VERSION] = version
    with db.uow(actor) as uow:
        if status == 412:
            conflict = audit.changes_since(uow, ("adverse_event",), event_id, version)
        return _page(
            request,
            uow,
            patient_id,
            row=(event_id, form, values, errors),
            conflict=conflict,
            status_code=status,
        )
