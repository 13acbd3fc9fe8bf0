"""Request and response models of adverse events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from sclero.core.protocol import current_protocol
from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.rules.vocabulary import Symptom

# The protocol's adverse-event catalogue is the list of event types (plus "other").
EVENT_TYPES = (*(e.code for e in current_protocol().spec.adverse_events.events), "other")
SEVERITIES = ("mild", "moderate", "severe")
OUTCOMES = ("resolved", "resolving", "resolved_with_sequelae", "not_resolved", "unknown")


class AdverseEventIn(Strict):
    session_id: int | None = None
    event_type: Annotated[str, code_in(EVENT_TYPES, "event type")]
    symptoms: list[Annotated[str, code_in(Symptom.codes(), "symptom")]] = Field(
        default_factory=list
    )
    onset_date: date
    severity: Annotated[str, code_in(SEVERITIES, "severity")]
    management: Note = None


class AdverseEventUpdate(Strict):
    severity: Annotated[str, code_in(SEVERITIES, "severity")] | None = None
    management: Note = None


class AdverseEventClose(Strict):
    outcome: Annotated[str, code_in(OUTCOMES, "outcome")]
    management: Note = None


class AdverseEventOut(Out):
    id: int
    patient_id: int
    session_id: int | None
    event_type: str
    symptoms: list[str]
    triage_level: str
    triage: dict[str, Any] | None
    onset_date: date
    severity: str
    management: str | None
    outcome: str | None
    status: str
    reported_at: datetime
    closed_at: datetime | None
