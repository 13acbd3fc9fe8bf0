"""JSON API of scheduling, with the patient's calendar file."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from sclero.core.schemas import Page
from sclero.scheduling import service
from sclero.scheduling.schemas import (
    AppointmentIn,
    AppointmentOut,
    Reschedule,
    StatusChange,
    Suggestions,
)
from sclero.web.deps import UoW, may
from sclero.web.versions import IfMatch, etag

router = APIRouter(prefix="/api/v1", tags=["scheduling"])


@router.post(
    "/patients/{patient_id}/appointments",
    response_model=AppointmentOut,
    status_code=201,
    dependencies=[may(service.book)],
)
def book(patient_id: int, data: AppointmentIn, uow: UoW) -> AppointmentOut:
    return AppointmentOut.shown_to(uow.actor, service.book(uow, patient_id, data))


@router.get(
    "/patients/{patient_id}/appointments",
    response_model=list[AppointmentOut],
    dependencies=[may(service.patient_appointments)],
)
def patient_appointments(patient_id: int, uow: UoW) -> list[AppointmentOut]:
    return [
        AppointmentOut.shown_to(uow.actor, a) for a in service.patient_appointments(uow, patient_id)
    ]


@router.get(
    "/patients/{patient_id}/schedule-suggestions",
    response_model=Suggestions,
    dependencies=[may(service.suggestions)],
)
def suggestions(patient_id: int, uow: UoW) -> Suggestions:
    return service.suggestions(uow, patient_id)


@router.get("/patients/{patient_id}/calendar.ics", dependencies=[may(service.patient_calendar)])
def calendar(patient_id: int, uow: UoW) -> Response:
    return Response(
        service.patient_calendar(uow, patient_id),
        media_type="text/calendar",
        headers={"Content-Disposition": "attachment; filename=appointments.ics"},
    )


@router.get(
    "/appointments", response_model=Page[AppointmentOut], dependencies=[may(service.between)]
)
def calendar_days(
    uow: UoW,
    start: date,
    days: Annotated[int, Query(ge=1, le=31)] = 1,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AppointmentOut]:
    """The appointments of `days` days from `start`, by time, a page of `limit` at a time."""
    appointments, total = service.between(uow, start, days, limit=limit, offset=offset)
    return Page(
        items=[AppointmentOut.shown_to(uow.actor, a) for a in appointments],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response_model=AppointmentOut,
    dependencies=[may(service.reschedule)],
)
def reschedule(
    appointment_id: int, data: Reschedule, uow: UoW, version: IfMatch, response: Response
) -> AppointmentOut:
    """Move a booked appointment; If-Match carries its `version` (412 when stale)."""
    appointment = service.reschedule(uow, appointment_id, data, version)
    etag(response, appointment)
    return AppointmentOut.shown_to(uow.actor, appointment)


@router.post(
    "/appointments/{appointment_id}/status",
    response_model=AppointmentOut,
    dependencies=[may(service.change_status)],
)
def change_status(
    appointment_id: int, data: StatusChange, uow: UoW, version: IfMatch, response: Response
) -> AppointmentOut:
    """Mark arrived, done, cancelled or no-show; If-Match carries its `version` (412 when
    stale)."""
    appointment = service.change_status(uow, appointment_id, data, version)
    etag(response, appointment)
    return AppointmentOut.shown_to(uow.actor, appointment)
