"""Pages of scheduling: today's list, a patient's appointments (book, move, cancel, calendar
file) and the clinic's day and week calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core import audit
from sclero.core.auth import may_override, sees_clinical
from sclero.core.db import Actor, Database, UnitOfWork
from sclero.core.errors import (
    DomainError,
    IntervalTooShort,
    PreconditionFailed,
    PreconditionRequired,
)
from sclero.core.time import today, utcnow
from sclero.patients import queries as patient_queries
from sclero.patients import service as patients
from sclero.rules.vocabulary import Region
from sclero.scheduling import queries, service, transitions
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus
from sclero.scheduling.schemas import AppointmentIn, Reschedule, StatusChange
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import FormValues, domain_errors, form_values, validate
from sclero.web.security import require_csrf
from sclero.web.templating import label, render
from sclero.web.versions import FIELD as VERSION
from sclero.web.versions import form_version

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]

DEFAULT_HOUR = 9
# How much one page shows, so it stays small (≤ 200 KB) however busy the clinic is;
# tests/integration/test_dense_clinic_pages.py holds the bound.
WEEK_PER_DAY = 30  # the week shows each day's first 30 and links to the whole day
DAY_PAGE = 100
TODAY_PER_KIND = 30
HOLDS_PAGE = 25
LOOKS = {
    "kind_labels": AppointmentKind.labels(),
    "kind_style": AppointmentKind.styles(),
    "status_style": AppointmentStatus.styles(),
    "status_labels": AppointmentStatus.labels(),
}


@router.get("/today", response_class=HTMLResponse)
def today_page(
    request: Request,
    actor: PageActor,
    db: DB,
    holds: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Today's appointments by kind, in time order (the first of each kind, with a link to the
    rest in the day calendar), and the holds awaiting review a page at a time."""
    day = today()
    with db.uow(actor) as uow:
        groups = {
            kind: service.calendar_days(uow, [day], limit=TODAY_PER_KIND, kind=kind)[0]
            for kind in AppointmentKind
        }
        hold_rows, hold_total = patients.clinic_holds(
            uow, limit=HOLDS_PAGE, offset=(holds - 1) * HOLDS_PAGE
        )
        return render(
            request,
            "scheduling/today.html",
            {
                "day": day,
                "groups": groups,
                "kind_labels": AppointmentKind.labels(),
                "count": sum(group.total for group in groups.values()),
                "holds": hold_rows,
                "hold_total": hold_total,
                "hold_page": holds,
                "hold_size": HOLDS_PAGE,
                "clinical": sees_clinical(actor),
            },
            actor=actor,
        )


# --- a patient's appointments ---------------------------------------------------------------


def _appointments_page(
    request: Request,
    uow: UnitOfWork,
    patient_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    row: tuple[int, dict[str, Any], dict[str, str]] | None = None,
    conflict: list[audit.Change] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The appointments page; `row` re-opens one appointment's forms with its values and errors."""
    upcoming, history = _upcoming_and_past(uow, service.patient_appointments(uow, patient_id))
    hints = service.suggestions(uow, patient_id)
    patient = patient_queries.load_patient(uow, patient_id)
    prefill = {
        "session": _suggested_start(hints.earliest_next_session),
        "follow_up": _suggested_start(hints.follow_up_due),
        "evaluation": _suggested_start(None),
    }
    return render(
        request,
        "scheduling/appointments.html",
        {
            "patient": patient,
            "upcoming": upcoming,
            "history": history,
            "hints": hints,
            "prefill": prefill,
            "values": values if values is not None else {"duration_minutes": "30"},
            "errors": errors or {},
            "row_id": row[0] if row else None,
            "row_values": row[1] if row else {},
            "row_errors": row[2] if row else {},
            "row_conflict": conflict,
            "regions": [(r.value, label(r.value)) for r in Region],
            "may_override": may_override(uow.actor),
            "clinical": sees_clinical(uow.actor),
            "now": utcnow(),
            "next_statuses": lambda a: transitions.next_statuses(a, uow.today()),
            **LOOKS,
        },
        actor=uow.actor,
        status_code=status_code,
    )


def _upcoming_and_past(uow: UnitOfWork, appointments: list[Any]) -> tuple[list[Any], list[Any]]:
    """Booked or arrived visits from today on, soonest first; everything else, as listed."""
    start_of_today = datetime.combine(uow.today(), datetime.min.time())
    upcoming = sorted(
        (
            a
            for a in appointments
            if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
            and a.starts_at >= start_of_today
        ),
        key=lambda a: a.starts_at,
    )
    return upcoming, [a for a in appointments if a not in upcoming]


def _suggested_start(day: date | None) -> str:
    """The date a kind of visit is offered on: the protocol's date, never before tomorrow."""
    tomorrow = today() + timedelta(days=1)
    chosen = max(day, tomorrow) if day else tomorrow
    return f"{chosen.isoformat()}T{DEFAULT_HOUR:02d}:00"


@router.get("/patients/{patient_id}/appointments", response_class=HTMLResponse)
def appointments(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """The patient's visits, the protocol's next dates, and the booking form."""
    with db.uow(actor) as uow:
        return _appointments_page(request, uow, patient_id)


@router.post("/patients/{patient_id}/appointments", response_model=None)
def book(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    values: Annotated[dict[str, Any], Depends(form_values(("regions",)))],
) -> Response:
    kind = values.get("kind")
    data, errors = validate(
        AppointmentIn,
        {
            "kind": kind,
            "starts_at": values.get("starts_at"),
            "duration_minutes": values.get("duration_minutes") or 30,
            "regions": (values.get("regions") or None) if kind == "session" else None,
            "interval_override_reason": _override(actor, values),
            "notes": values.get("notes"),
        },
    )
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                service.book(uow, patient_id, data)
            return RedirectResponse(f"/patients/{patient_id}/appointments?booked=1", 303)
        except IntervalTooShort as error:
            errors, status = _interval_errors(error), 409
        except DomainError as error:
            errors, status = domain_errors(error), error.status_code
    with db.uow(actor) as uow:
        return _appointments_page(
            request, uow, patient_id, values=values, errors=errors, status_code=status
        )


def _override(actor: Actor, values: dict[str, Any]) -> str | None:
    """Only an override reason its writer may give is passed on (others never see the field)."""
    return values.get("interval_override_reason") if may_override(actor) else None


def _interval_errors(error: IntervalTooShort) -> dict[str, str]:
    errors = domain_errors(error)
    earliest = str(error.detail.get("earliest_date") or "")
    try:
        errors["interval"] = f"{date.fromisoformat(earliest):%d %b %Y}"
    except ValueError:
        errors["interval"] = earliest
    return errors


@router.post("/appointments/{appointment_id}/reschedule", response_model=None)
def reschedule(
    request: Request, appointment_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    data, errors = validate(
        Reschedule,
        {
            "starts_at": values.get("starts_at"),
            "interval_override_reason": _override(actor, values),
        },
    )
    return _row_action(request, actor, db, appointment_id, values, data, errors, service.reschedule)


@router.post("/appointments/{appointment_id}/status", response_model=None)
def change_status(
    request: Request,
    appointment_id: int,
    actor: PageActor,
    db: DB,
    values: FormValues,
) -> Response:
    data, errors = validate(
        StatusChange, {"status": values.get("status"), "reason": values.get("reason")}
    )
    return _row_action(
        request, actor, db, appointment_id, values, data, errors, service.change_status
    )


def _row_action(
    request: Request,
    actor: Any,
    db: Database,
    appointment_id: int,
    values: dict[str, Any],
    data: Any,
    errors: dict[str, str],
    action: Any,
) -> Response:
    """Run a change on one appointment, made on the version its form was opened on; on refusal
    re-open its form with the message (and, when someone else changed it, what they changed)."""
    status, conflict = 422, None
    version = form_version(values)
    with db.uow(actor) as uow:
        patient_id = queries.load_appointment(uow, appointment_id).patient_id
    if data is not None:
        try:
            with db.uow(actor) as uow:
                action(uow, appointment_id, data, version)
            return RedirectResponse(f"/patients/{patient_id}/appointments?changed=1", 303)
        except (PreconditionFailed, PreconditionRequired):
            status = 412
        except IntervalTooShort as error:
            errors, status = _interval_errors(error), 409
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            errors, status = domain_errors(error), error.status_code
    if status != 412:
        values[VERSION] = version
    with db.uow(actor) as uow:
        if status == 412:
            conflict = audit.changes_since(uow, ("appointment",), appointment_id, version)
        return _appointments_page(
            request,
            uow,
            patient_id,
            row=(appointment_id, values, errors),
            conflict=conflict,
            status_code=status,
        )


@router.get("/patients/{patient_id}/appointments.ics")
def calendar_file(patient_id: int, actor: PageActor, db: DB) -> Response:
    """The patient's booked visits as a calendar file (signed in with the web session)."""
    with db.uow(actor) as uow:
        content = service.patient_calendar(uow, patient_id)
    return Response(
        content,
        media_type="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="appointments-{patient_id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


# --- the clinic's calendar ------------------------------------------------------------------


@router.get("/calendar", response_class=HTMLResponse)
def calendar(
    request: Request,
    actor: PageActor,
    db: DB,
    view: Annotated[str, Query(max_length=10)] = "week",
    start: Annotated[str | None, Query(max_length=10)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """A week (Monday to Sunday: the first appointments of each day, and a link to the whole
    day) or one day a page at a time, optionally of one kind, with previous/next/today."""
    view = view if view in ("day", "week") else "week"
    kind = kind if kind in AppointmentKind.codes() else None
    error = None
    try:
        first = date.fromisoformat(start) if start else today()
    except ValueError:
        first, error = today(), "Enter the start date as YYYY-MM-DD; showing today instead."
    if view == "week":
        first -= timedelta(days=first.weekday())
        page = 1
    span = 7 if view == "week" else 1
    size = WEEK_PER_DAY if view == "week" else DAY_PAGE
    days = [first + timedelta(days=i) for i in range(span)]
    with db.uow(actor) as uow:
        lists = service.calendar_days(uow, days, limit=size, offset=(page - 1) * size, kind=kind)
        return render(
            request,
            "scheduling/calendar.html",
            {
                "view": view,
                "first": first,
                "last": days[-1],
                "lists": lists,
                "kind": kind,
                "page": page,
                "size": size,
                "count": sum(day.total for day in lists),
                "previous": first - timedelta(days=span),
                "next": first + timedelta(days=span),
                "today": today(),
                "error": error,
                "timedelta": timedelta,
                **LOOKS,
            },
            actor=actor,
        )
