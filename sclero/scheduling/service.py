"""The one door to scheduling: book, move, cancel; sessions no sooner than the protocol interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import Row, func, select

from sclero.charting import interval as charting_interval
from sclero.charting import queries as charting_queries
from sclero.core import audit
from sclero.core.auth import Role, may_override
from sclero.core.db import UnitOfWork
from sclero.core.errors import Conflict, InvalidInput
from sclero.core.time import clinic_date
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version, snapshot
from sclero.patients import queries as patient_queries
from sclero.rules import check_interval
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus
from sclero.scheduling.models import Appointment
from sclero.scheduling.queries import load_appointment
from sclero.scheduling.schemas import AppointmentIn, Reschedule, StatusChange, Suggestions
from sclero.scheduling.transitions import TRANSITIONS, next_statuses

DESK_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK)


def _now(uow: UnitOfWork) -> datetime:
    """The clinic's wall-clock time now (how appointments are kept)."""
    return uow.wall_now()


def _require_bookable(
    uow: UnitOfWork, patient_id: int, starts_at: datetime, minutes: int, moving: int | None = None
) -> None:
    """Not in the past, and not over another live appointment of the same patient."""
    if starts_at < _now(uow):
        raise InvalidInput(
            f"{clinic_date(starts_at.date())} {starts_at:%H:%M} is in the past: book a time "
            "from now on.",
            field="starts_at",
        )
    ends_at = starts_at + timedelta(minutes=minutes)
    for other in _patient_live_appointments(uow, patient_id):
        if other.id == moving:
            continue
        other_end = other.starts_at + timedelta(minutes=other.duration_minutes)
        if other.starts_at < ends_at and starts_at < other_end:
            kind = AppointmentKind(other.kind).label
            raise Conflict(
                f"The patient already has an appointment then ({kind}, "
                f"{clinic_date(other.starts_at.date())} {other.starts_at:%H:%M}).",
                field="starts_at",
            )


def _patient_live_appointments(uow: UnitOfWork, patient_id: int) -> list[Appointment]:
    """Booked or arrived appointments of one patient (helper: no role check, no audit)."""
    live = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
    query = select(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.status.in_(live)
    )
    return list(uow.session.scalars(query))


@use_case(*DESK_ROLES)
def book(uow: UnitOfWork, patient_id: int, data: AppointmentIn) -> Appointment:
    """Book a visit from now on, not over another of the patient's; a session sooner than the
    interval needs a physician's written reason."""
    _require_physician_for_reason(uow, data.interval_override_reason)
    patient_queries.lock_patient(uow, patient_id)  # two bookings at once cannot both pass the check
    _require_bookable(uow, patient_id, data.starts_at, data.duration_minutes)
    if data.kind == AppointmentKind.SESSION:
        _require_interval(
            uow, patient_id, data.starts_at.date(), data.regions, data.interval_override_reason
        )
    appointment = Appointment(
        patient_id=patient_id,
        created_by_id=uow.actor.user_id,
        status=AppointmentStatus.BOOKED,
        **data.model_dump(),
    )
    uow.session.add(appointment)
    uow.session.flush()
    audit.record(
        uow,
        "create",
        "appointment",
        appointment.id,
        patient_id=patient_id,
        detail={"kind": data.kind},
    )
    uow.commit()
    return appointment


def _require_physician_for_reason(uow: UnitOfWork, reason: str | None) -> None:
    """A reason to book sooner than the interval is a physician's clinical decision: from
    anyone else it would later read as one, so it is refused, not kept."""
    if reason and not may_override(uow.actor):
        raise InvalidInput(
            "Only a physician may give a reason to book sooner than the interval; "
            "leave it empty or ask a physician.",
            field="interval_override_reason",
        )


def _require_interval(
    uow: UnitOfWork, patient_id: int, on: date, regions: list[str] | None, reason: str | None
) -> None:
    # Without named regions, every region treated before counts: the safer reading.
    charting_interval.require_interval(
        uow,
        patient_id,
        on,
        regions or None,
        reason,
        field="starts_at",
        remedy="A physician may book it sooner with a written reason.",
    )


APPOINTMENT_FIELDS = ("starts_at", "status", "interval_override_reason", "notes")
"""What an update's audit row keeps the old and new value of."""


@use_case(*DESK_ROLES)
def reschedule(
    uow: UnitOfWork, appointment_id: int, data: Reschedule, version: int | None
) -> Appointment:
    """Move a booked appointment, on `version` of it (refused when someone changed it since)."""
    _require_physician_for_reason(uow, data.interval_override_reason)
    appointment = load_appointment(uow, appointment_id)
    check_version(appointment, version)
    before = snapshot(appointment, APPOINTMENT_FIELDS)
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(
            f"This appointment is {appointment.status}; only a booked one can move.", "status"
        )
    _require_bookable(
        uow, appointment.patient_id, data.starts_at, appointment.duration_minutes, appointment.id
    )
    if appointment.kind == AppointmentKind.SESSION:
        _require_interval(
            uow,
            appointment.patient_id,
            data.starts_at.date(),
            appointment.regions,
            data.interval_override_reason,
        )
    appointment.starts_at = data.starts_at
    if data.interval_override_reason:
        appointment.interval_override_reason = data.interval_override_reason
    audit.record_change(
        uow,
        "update",
        "appointment",
        appointment,
        before,
        patient_id=appointment.patient_id,
        detail={"rescheduled": True},
    )
    uow.commit()
    return appointment


@use_case(*DESK_ROLES)
def change_status(
    uow: UnitOfWork, appointment_id: int, data: StatusChange, version: int | None
) -> Appointment:
    """Mark arrived, done, cancelled or no-show; a cancellation keeps its reason. Made on
    `version` of the appointment (refused when someone changed it since)."""
    appointment = load_appointment(uow, appointment_id)
    current = AppointmentStatus(appointment.status).label.lower()
    wanted = AppointmentStatus(data.status)
    if wanted not in TRANSITIONS.get(appointment.status, ()):
        raise Conflict(
            f"This appointment is {current}: it cannot be marked {wanted.label.lower()}.", "status"
        )
    if wanted not in next_statuses(appointment, uow.today()):
        raise Conflict(
            f"This appointment is on {clinic_date(appointment.starts_at.date())}: it cannot be "
            f"marked {wanted.label.lower()} before its day.",
            "status",
        )
    if data.status == AppointmentStatus.CANCELLED and not data.reason:
        raise InvalidInput("Give a reason for the cancellation.", field="reason")
    check_version(appointment, version)
    before = snapshot(appointment, APPOINTMENT_FIELDS)
    appointment.status = data.status
    if data.reason:
        appointment.notes = "\n".join(
            filter(None, [appointment.notes, f"{data.status}: {data.reason}"])
        )
    audit.record_change(
        uow, "update", "appointment", appointment, before, patient_id=appointment.patient_id
    )
    uow.commit()
    return appointment


@use_case(*DESK_ROLES)
def between(
    uow: UnitOfWork, start: date, days: int, *, limit: int, offset: int = 0
) -> tuple[list[Appointment], int]:
    """`limit` appointments from `offset` of the `days` days from `start`, by time, and how many
    those days hold: one page of the calendar (audited: the patients on the page)."""
    if not 1 <= days <= 31:
        raise InvalidInput("Show between 1 and 31 days.", field="days")
    begin = datetime.combine(start, datetime.min.time())
    where = [Appointment.starts_at >= begin, Appointment.starts_at < begin + timedelta(days=days)]
    query = select(Appointment).where(*where).order_by(Appointment.starts_at, Appointment.id)
    appointments = list(uow.session.scalars(query.limit(limit).offset(offset)))
    total = uow.session.scalar(select(func.count()).select_from(Appointment).where(*where)) or 0
    audit.record(
        uow,
        "read",
        "appointment",
        detail={
            "from": start.isoformat(),
            "days": days,
            "patient_ids": sorted({a.patient_id for a in appointments}),
        },
    )
    return appointments, total


@dataclass(frozen=True)
class DayList:
    """One day of the calendar as it is shown: a slice of its appointments in time order, each
    paired with its patient's name (plain rows), and how many the day has in all."""

    day: date
    rows: list[tuple[Row[*tuple[Any, ...]], Row[*tuple[Any, ...]]]]
    total: int
    offset: int


SHOWN = (
    Appointment.id,
    Appointment.patient_id,
    Appointment.kind,
    Appointment.status,
    Appointment.starts_at,
    Appointment.duration_minutes,
    Appointment.notes,
)
"""The columns the calendar shows: a long list loads these, never the whole ORM object."""


@use_case(*DESK_ROLES)
def calendar_days(
    uow: UnitOfWork, days: list[date], *, limit: int, offset: int = 0, kind: str | None = None
) -> list[DayList]:
    """For each day, `limit` of its appointments from `offset` (optionally of one kind) and the
    day's total, so a page stays small however busy the clinic is (audited: the patients shown)."""
    if not 1 <= len(days) <= 31:
        raise InvalidInput("Show between 1 and 31 days.", field="days")
    slices = [_day_slice(uow, day, limit, offset, kind) for day in days]
    names = patient_queries.name_rows(
        uow, {row.patient_id for _, rows, _ in slices for row in rows}
    )
    audit.record(
        uow,
        "read",
        "appointment",
        detail={"from": days[0].isoformat(), "days": len(days), "patient_ids": sorted(names)},
    )
    return [
        DayList(day, [(row, names[row.patient_id]) for row in rows], total, offset)
        for day, rows, total in slices
    ]


def _day_slice(
    uow: UnitOfWork, day: date, limit: int, offset: int, kind: str | None
) -> tuple[date, list[Row[*tuple[Any, ...]]], int]:
    begin = datetime.combine(day, datetime.min.time())
    where = [Appointment.starts_at >= begin, Appointment.starts_at < begin + timedelta(days=1)]
    if kind is not None:
        where.append(Appointment.kind == kind)
    query = select(*SHOWN).where(*where).order_by(Appointment.starts_at, Appointment.id)
    rows = list(uow.session.execute(query.limit(limit).offset(offset)))
    if (rows or offset == 0) and len(rows) < limit:
        return day, rows, offset + len(rows)  # the whole rest of the day: no count needed
    total = uow.session.scalar(select(func.count()).select_from(Appointment).where(*where)) or 0
    return day, rows, total


@use_case(*DESK_ROLES)
def patient_appointments(uow: UnitOfWork, patient_id: int) -> list[Appointment]:
    query = (
        select(Appointment)
        .where(Appointment.patient_id == patient_id)
        .order_by(Appointment.starts_at.desc())
    )
    return patient_queries.read_record(uow, patient_id, "appointment", query)


@use_case(*DESK_ROLES)
def suggestions(uow: UnitOfWork, patient_id: int, on: date | None = None) -> Suggestions:
    """The earliest date the protocol allows the next session, and when follow-up is due."""
    patient_queries.load_patient(uow, patient_id)
    protocol = uow.protocol
    past = charting_queries.past_sessions(uow, patient_id)
    last = past[-1].date if past else None
    regions = sorted({r for s in past for r in s.regions})
    check = check_interval(past, on or uow.today(), regions, protocol)
    audit.record(uow, "read", "schedule_suggestion", patient_id=patient_id)
    return Suggestions(
        earliest_next_session=check.earliest_date if past else None,
        follow_up_due=last + timedelta(days=protocol.follow_up_days) if last else None,
        last_session=last,
        interval_days=protocol.interval_days,
        follow_up_days=protocol.follow_up_days,
        sources=list(check.sources),
    )


@use_case(*DESK_ROLES)
def patient_calendar(uow: UnitOfWork, patient_id: int) -> bytes:
    """The patient's booked visits as an iCalendar file (no clinical detail in it)."""
    patient_queries.load_patient(uow, patient_id)
    calendar = Calendar()
    calendar.add("prodid", "-//Sclero//Appointments//EN")
    calendar.add("version", "2.0")
    for appointment in uow.session.scalars(
        select(Appointment)
        .where(Appointment.patient_id == patient_id, Appointment.status == AppointmentStatus.BOOKED)
        .order_by(Appointment.starts_at)
    ):
        event = Event()
        event.add("uid", f"appointment-{appointment.id}@sclero")
        event.add("summary", AppointmentKind(appointment.kind).label)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.starts_at + timedelta(minutes=appointment.duration_minutes))
        event.add("dtstamp", appointment.created_at)
        calendar.add_component(event)
    audit.record(uow, "export", "appointment_calendar", patient_id=patient_id)
    return bytes(calendar.to_ical())
