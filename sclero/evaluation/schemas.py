"""Request and response models of the medical evaluation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from sclero.core.schemas import Note, Out, Strict
from sclero.patients.schemas import AllergyCode, ConditionCode, MedicationCode


class EvaluationIn(Strict):
    """The screening answers of an intake; they also become the patient's coded history."""

    # the plausible range is the protocol's (checked by the engine with the same words)
    weight_kg: float = Field(gt=0, allow_inf_nan=False)
    # a safety question left out or null is "not yet answered": the screening defers
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    conditions: list[ConditionCode] = Field(default_factory=list)
    medications: list[MedicationCode] = Field(default_factory=list)
    allergies: list[AllergyCode] = Field(default_factory=list)
    notes: Note = None


class EvaluationOut(Out):
    id: int
    patient_id: int
    performed_at: datetime
    performed_by_id: int | None
    decision: str
    protocol_id: str
    protocol_version: str
    answers: dict[str, Any]
    result: dict[str, Any]
    notes: str | None
