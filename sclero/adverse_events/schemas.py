"""Request and response models of adverse events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.rules.vocabulary import Symptom

EVENT_TYPES = (
    "hyperpigmentation",
    "matting",
    "superficial_thrombosis",
    "skin_necrosis",
    "distal_dvt",
    "proximal_dvt",
    "pulmonary_embolism",
    "visual_disturbance",
    "headache_migraine",
    "stroke_tia",
    "anaphylaxis",
    "local_reaction",
    "other",
)
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
