"""The one door to adverse events: report (triaged by the protocol), manage, close."""

from __future__ import annotations

from sqlalchemy import select

from sclero.adverse_events.models import AdverseEvent
from sclero.adverse_events.schemas import AdverseEventClose, AdverseEventIn, AdverseEventUpdate
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.convert import to_jsonable
from sclero.core.db import UnitOfWork
from sclero.core.errors import Conflict, InvalidInput, NotFound
from sclero.core.protocol import current_protocol
from sclero.core.time import today, utcnow
from sclero.patients import service as patients
from sclero.rules import triage
from sclero.rules.vocabulary import Symptom, TriageLevel

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


def report(uow: UnitOfWork, patient_id: int, data: AdverseEventIn) -> AdverseEvent:
    """Report a complication; its symptoms are triaged (urgent care / contact clinic / routine)."""
    uow.require_role(*CLINICAL_ROLES)
    patients.load_patient(uow, patient_id)
    if data.onset_date > today():
        raise InvalidInput("The onset cannot be in the future.", field="onset_date")
    if data.session_id is not None:
        from sclero.charting import service as charting

        if charting.load_session(uow, data.session_id).patient_id != patient_id:
            raise InvalidInput("That session belongs to another patient.", field="session_id")
    result = triage(data.symptoms, current_protocol())
    event = AdverseEvent(
        patient_id=patient_id,
        reported_by_id=uow.actor.user_id,
        triage_level=str(result.level),
        triage=to_jsonable(result),
        status="open",
        **data.model_dump(),
    )
    uow.session.add(event)
    uow.session.flush()
    audit.record(
        uow,
        "create",
        "adverse_event",
        event.id,
        patient_id=patient_id,
        detail={"triage": event.triage_level},
    )
    uow.commit()
    return event


def load_event(uow: UnitOfWork, event_id: int) -> AdverseEvent:
    event = uow.session.get(AdverseEvent, event_id)
    if event is None:
        raise NotFound(f"There is no adverse event with id {event_id}.", field="event_id")
    return event


def update(uow: UnitOfWork, event_id: int, data: AdverseEventUpdate) -> AdverseEvent:
    """Re-grade or add to the management of an open event."""
    uow.require_role(*CLINICAL_ROLES)
    event = load_event(uow, event_id)
    if event.status != "open":
        raise Conflict("This adverse event is closed.", field="status")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(event, name, value)
    audit.record(
        uow,
        "update",
        "adverse_event",
        event.id,
        patient_id=event.patient_id,
        detail={"fields": sorted(changes)},
    )
    uow.commit()
    return event


def close(uow: UnitOfWork, event_id: int, data: AdverseEventClose) -> AdverseEvent:
    """A physician closes an event with its outcome."""
    uow.require_role(Role.PHYSICIAN)
    event = load_event(uow, event_id)
    if event.status != "open":
        raise Conflict("This adverse event is already closed.", field="status")
    event.status = "closed"
    event.outcome = data.outcome
    event.closed_at = utcnow()
    if data.management:
        event.management = data.management
    audit.record(uow, "close", "adverse_event", event.id, patient_id=event.patient_id)
    uow.commit()
    return event


def list_events(uow: UnitOfWork, patient_id: int) -> list[AdverseEvent]:
    query = (
        select(AdverseEvent)
        .where(AdverseEvent.patient_id == patient_id)
        .order_by(AdverseEvent.onset_date.desc(), AdverseEvent.id.desc())
    )
    return patients.read_record(uow, patient_id, "adverse_event", query)


def symptoms_by_level() -> dict[str, list[tuple[str, str]]]:
    """The protocol's triage of each symptom, grouped by level (urgent care first), with the
    advice it gives: what the report form and its emergency box show."""
    rules = current_protocol().triage_rules
    groups: dict[str, list[tuple[str, str]]] = {str(level): [] for level in TriageLevel}
    for code in Symptom:
        rule = rules.get(code.value)
        if rule is not None:
            groups[str(rule.level)].append((code.value, rule.message))
    return groups


def urgent_sources() -> list[str]:
    """The sources behind the protocol's urgent-care signs."""
    rules = current_protocol().triage_rules.values()
    found = {s for r in rules if r.level == TriageLevel.URGENT_CARE for s in r.sources}
    return sorted(found)
