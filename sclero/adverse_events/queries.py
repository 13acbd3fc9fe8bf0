"""What other code reads about adverse events: loaders, the holds they placed and the protocol's
triage as the forms show it (no role check, no audit, no commit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sclero.adverse_events.models import AdverseEvent
from sclero.adverse_events.schemas import (
    EVENT_LABELS,
    symptom_label,
)
from sclero.core.db import UnitOfWork
from sclero.core.protocol import current_protocol
from sclero.patients import queries as patient_queries
from sclero.rules.vocabulary import Symptom, TriageLevel

if TYPE_CHECKING:
    from sclero.patients.models import PatientHold

HOLD_SOURCE = "adverse_event"
"""The source named by the holds an urgent event places."""


def summary(event: AdverseEvent) -> str:
    """The event in the clinic's words: its type and its symptoms ("Chest pain, breathlessness")."""
    kind = EVENT_LABELS.get(event.event_type, event.event_type)
    symptoms = ", ".join(symptom_label(code).lower() for code in event.symptoms)
    return f"{kind}: {symptoms}" if symptoms else kind


def event_holds(uow: UnitOfWork, events: list[AdverseEvent]) -> dict[int, PatientHold]:
    """The hold each of these events placed, by event id (helper for the pages)."""
    found = {}
    for event in events:
        if event.triage_level == TriageLevel.URGENT_CARE:
            holds = patient_queries.holds_of(uow, HOLD_SOURCE, event.id)
            if holds:
                found[event.id] = holds[-1]
    return found


def load_event(uow: UnitOfWork, event_id: int) -> AdverseEvent:
    return uow.get(AdverseEvent, event_id, field="event_id")


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
