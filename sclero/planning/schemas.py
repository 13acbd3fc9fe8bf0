"""Request and response models of treatment planning and consent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.rules.vocabulary import Agent, Technique


class PlanIn(Strict):
    notes: Note = None


class ApproveIn(Strict):
    """A physician's written decision on the referrals and relative contraindications the
    screening raises (needed only when it raises any; audited)."""

    physician_decision_reason: str | None = Field(default=None, min_length=5, max_length=2000)


class PlanItemEdit(Strict):
    """A physician's change to one proposed item; a departure from the proposal needs a reason."""

    technique: Annotated[str, code_in(Technique.codes(), "technique")]
    agent: Annotated[str, code_in(Agent.codes(), "agent")] | None = None
    concentration_min: float | None = Field(default=None, gt=0, le=3)
    concentration_max: float | None = Field(default=None, gt=0, le=3)
    max_volume_per_injection_ml: float | None = Field(default=None, gt=0, le=10)
    reason: str = Field(min_length=5, max_length=2000)

    @model_validator(mode="after")
    def _range_in_order(self) -> PlanItemEdit:
        low, high = self.concentration_min, self.concentration_max
        if low is not None and high is not None and low > high:
            raise ValueError("concentration_min must not be above concentration_max")
        return self


class ConsentIn(Strict):
    signed_by_name: str = Field(min_length=2, max_length=200)
    representative_relationship: str | None = Field(default=None, min_length=2, max_length=100)
    patient_confirms_understanding: bool

    @model_validator(mode="after")
    def _must_confirm(self) -> ConsentIn:
        if not self.patient_confirms_understanding:
            raise ValueError("the patient must confirm they understood benefits and risks")
        return self


class PlanItemOut(Out):
    id: int
    version: int  # send it back as If-Match to change this record
    finding_id: int | None
    position: int
    vein_type: str
    technique: str
    agent: str | None
    concentration_min: float | None
    concentration_max: float | None
    max_volume_per_injection_ml: float | None
    sources: list[str]
    departs_from_proposal: bool
    departure_reason: str | None


class PlanOut(Out):
    id: int
    version: int  # send it back as If-Match to change this record
    patient_id: int
    evaluation_id: int
    status: str
    protocol_id: str
    protocol_version: str
    weight_kg: float
    max_agent_mg: float | None
    max_foam_ml: float | None
    max_liquid_ml: float | None
    expected_sessions: str | None
    interval_days: int
    compression: dict[str, Any] | None
    proposal: dict[str, Any]
    approved_at: datetime | None
    notes: str | None
    physician_decision_codes: list[str] | None = None
    physician_decision_reason: str | None = None
    items: list[PlanItemOut]


class ConsentOut(Out):
    id: int
    plan_id: int
    text: str
    signed_by_name: str
    representative_relationship: str | None = None
    signed_at: datetime
