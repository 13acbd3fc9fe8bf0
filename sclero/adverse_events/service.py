"""The one door to adverse events: report (triaged by the protocol), manage, close."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sclero.adverse_events.choices import EventStatus, Outcome
from sclero.adverse_events.models import AdverseEvent
from sclero.adverse_events.queries import HOLD_SOURCE, load_event, summary
from sclero.adverse_events.schemas import (
    AdverseEventClose,
    AdverseEventIn,
    AdverseEventReview,
    AdverseEventUpdate,
)
from sclero.charting import queries as charting_queries
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import Conflict, InvalidInput
from sclero.core.protocol import current_protocol
from sclero.core.time import clinic_now, utcnow
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version, snapshot
from sclero.patients import queries as patient_queries
from sclero.patients import writes as patient_writes
from sclero.patients.choices import HoldReason
from sclero.rules.triage import triage_event
from sclero.rules.vocabulary import TriageLevel

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*CLINICAL_ROLES)
def report(uow: UnitOfWork, patient_id: int, data: AdverseEventIn) -> AdverseEvent:
    """Report a complication, triaged by its symptoms and its event type (the stricter wins:
    urgent care / contact clinic / routine)."""
    patient_queries.load_patient(uow, patient_id)
    if data.onset_date > uow.today():
        raise InvalidInput("The onset cannot be in the future.", field="onset_date")
    session_id = data.session_id
    if (
        session_id is not None
        and charting_queries.load_session(uow, session_id).patient_id != patient_id
    ):
        raise InvalidInput("That session belongs to another patient.", field="session_id")
    result = _event_triage(data.event_type, data.symptoms)
    event = AdverseEvent(
        patient_id=patient_id,
        reported_by_id=uow.actor.user_id,
        triage_level=result["level"],
        triage=result,
        status=EventStatus.OPEN,
        **data.model_dump(),
    )
    uow.session.add(event)
    uow.session.flush()
    urgent = event.triage_level == TriageLevel.URGENT_CARE
    if urgent:
        patient_writes.place_hold(
            uow, patient_id, HoldReason.URGENT_ADVERSE_EVENT, summary(event), HOLD_SOURCE, event.id
        )
    audit.record(
        uow,
        "create",
        "adverse_event",
        event.id,
        patient_id=patient_id,
        detail={"triage": event.triage_level, "hold": urgent},
    )
    uow.commit()
    return event


@use_case(Role.PHYSICIAN)
def review(uow: UnitOfWork, event_id: int, data: AdverseEventReview) -> AdverseEvent:
    """A physician reviews an urgent event: the hold it placed on new sessions is lifted, with
    the physician's note (audited). The event itself stays open until it is closed."""
    event = load_event(uow, event_id)
    holds = [h for h in patient_queries.holds_of(uow, HOLD_SOURCE, event.id) if h.is_open]
    if not holds:
        raise Conflict("This adverse event holds no session: nothing to review.", field="review")
    for hold in holds:
        patient_writes.review_hold(uow, hold, data.note)
    audit.record(
        uow,
        "review",
        "adverse_event",
        event.id,
        patient_id=event.patient_id,
        detail={"note": data.note},
    )
    uow.commit()
    return event


def _event_triage(event_type: str, symptoms: list[str]) -> dict[str, Any]:
    """The engine's triage of the event (its symptoms and its type), as the record keeps it."""
    return triage_event(event_type, symptoms, current_protocol()).to_document()


@use_case(*CLINICAL_ROLES)
def update(
    uow: UnitOfWork, event_id: int, data: AdverseEventUpdate, version: int | None
) -> AdverseEvent:
    """Re-grade an open event, or add a dated note to its management (earlier notes stay);
    made on `version` of the event (refused when someone else changed it since)."""
    event = load_event(uow, event_id)
    check_version(event, version)
    before = snapshot(event, EVENT_FIELDS)
    if event.status != EventStatus.OPEN:
        raise Conflict("This adverse event is closed.", field="status")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    note = changes.pop("management", None)
    for name, value in changes.items():
        setattr(event, name, value)
    if note:
        _add_management(event, note)
    audit.record_change(uow, "update", "adverse_event", event, before, patient_id=event.patient_id)
    uow.commit()
    return event


@use_case(Role.PHYSICIAN)
def close(
    uow: UnitOfWork, event_id: int, data: AdverseEventClose, version: int | None
) -> AdverseEvent:
    """A physician closes an event with its outcome, on `version` of the event."""
    event = load_event(uow, event_id)
    check_version(event, version)
    before = snapshot(event, EVENT_FIELDS)
    if event.status != EventStatus.OPEN:
        raise Conflict("This adverse event is already closed.", field="status")
    event.status = EventStatus.CLOSED
    event.outcome = data.outcome
    event.closed_at = utcnow()
    if data.management:
        _add_management(event, data.management)
    reviewed = [h for h in patient_queries.holds_of(uow, HOLD_SOURCE, event.id) if h.is_open]
    for hold in reviewed:  # closing an urgent event is the physician's review of it
        patient_writes.review_hold(uow, hold, f"Closed: {Outcome(data.outcome).label}.")
    audit.record_change(
        uow,
        "close",
        "adverse_event",
        event,
        before,
        patient_id=event.patient_id,
        detail={"hold_reviewed": bool(reviewed)} if reviewed else None,
    )
    uow.commit()
    return event


EVENT_FIELDS = (
    "event_type",
    "symptoms",
    "onset_date",
    "severity",
    "management",
    "outcome",
    "status",
)
"""What an update's audit row keeps the old and new value of."""


def _add_management(event: AdverseEvent, note: str) -> bool:
    """Add a dated note to the event's management; what was written before is never lost.
    A form that sends the old text back with more typed after it adds only the new part."""
    old = event.management or ""
    if old and note.startswith(old):
        note = note[len(old) :].strip()
    if not note:
        return False
    stamp = clinic_now().strftime("%Y-%m-%d %H:%M")
    event.management = f"{old}\n{stamp} — {note}".lstrip("\n")
    return True


@use_case(*CLINICAL_ROLES)
def list_events(uow: UnitOfWork, patient_id: int) -> list[AdverseEvent]:
    query = (
        select(AdverseEvent)
        .where(AdverseEvent.patient_id == patient_id)
        .order_by(AdverseEvent.onset_date.desc(), AdverseEvent.id.desc())
    )
    return patient_queries.read_record(uow, patient_id, "adverse_event", query)
