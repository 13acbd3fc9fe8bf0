"""Request and response models of adverse events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from sclero.adverse_events.choices import Outcome, Severity
from sclero.core.protocol import current_protocol
from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.rules.vocabulary import Symptom

# The protocol's adverse-event catalogue is the list of event types (plus "other").
EVENT_TYPES = (*(e.code for e in current_protocol().spec.adverse_events.events), "other")
SEVERITIES = Severity.codes()
OUTCOMES = Outcome.codes()


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


class AdverseEventReview(Strict):
    """A physician's review of an urgent event: what was found and decided (required)."""

    note: str = Field(min_length=5, max_length=2000)


class AdverseEventOut(Out):
    id: int
    version: int  # send it back as If-Match to change this record
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


# Labels the pages show beside the codes (the event catalogue's own labels come from the protocol).
EVENT_LABELS = {
    **{e.code: e.label for e in current_protocol().spec.adverse_events.events},
    "other": "Other",
}
SEVERITY_LABELS = Severity.labels()
OUTCOME_LABELS = Outcome.labels()
SYMPTOM_LABELS = {
    "chest_pain": "Chest pain",
    "breathlessness": "Breathlessness / difficulty breathing",
    "coughing_blood": "Coughing blood",
    "calf_pain_swelling": "Calf pain or swelling",
    "visual_disturbance": "Visual disturbance",
    "neurological_deficit": "Weakness, numbness or trouble speaking",
    "severe_headache": "Severe headache",
    "fainting": "Fainting or dizziness",
    "generalised_allergic_reaction": "Allergic reaction over the body",
    "painful_lump": "Painful hard lump along the vein",
    "skin_ulceration": "Open sore / dark skin at an injection site",
    "spreading_redness": "Spreading redness, swelling or warmth",
    "bruising": "Bruising",
    "injection_site_pain": "Pain or burning at the injection sites",
    "itching": "Itching",
    "hyperpigmentation": "Brown discolouration (hyperpigmentation)",
    "matting": "New fine red veins (matting)",
}


def symptom_label(code: str) -> str:
    return SYMPTOM_LABELS.get(code) or Symptom(code).label
