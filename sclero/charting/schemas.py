"""Request and response models of session charting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from sclero.assessment.schemas import RegionCode, SideCode
from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.rules.vocabulary import Agent


class Checklist(Strict):
    """The pre-procedure checklist; every item must be confirmed before the first injection."""

    identity_confirmed: bool
    consent_confirmed: bool
    not_pregnant: bool
    no_new_clot: bool
    no_infection: bool
    skin_clean: bool


# The checklist's codes; their words and which ones stop today's session are the protocol's
# (`checklist`), and the protocol's codes must be these (tests/unit/charting).
CHECKLIST_ITEMS: tuple[str, ...] = tuple(Checklist.model_fields)


class SessionStart(Strict):
    checklist: Checklist
    weight_kg: float | None = Field(default=None, gt=0, le=400)  # today's weight if re-measured
    weight_confirmed: bool = False  # a physician confirms a weight far from the evaluated one
    appointment_id: int | None = None
    interval_override_reason: str | None = Field(default=None, min_length=5, max_length=2000)
    notes: Note = None


Ratio = Annotated[str, StringConstraints(pattern=r"^[1-9]:[1-9]$")]


class InjectionIn(Strict):
    side: SideCode
    region: RegionCode
    finding_id: int | None = None
    agent: Annotated[str, code_in(Agent.codes(), "agent")]
    concentration_percent: float = Field(gt=0, le=3)
    volume_ml: float = Field(gt=0, le=20)
    technique: Annotated[str, code_in(("liquid", "foam"), "technique")]
    liquid_gas_ratio: Ratio | None = None
    needle_gauge: int | None = Field(default=None, ge=25, le=33)
    lot_number: str | None = Field(default=None, max_length=40)
    override_reason: str | None = Field(default=None, min_length=5, max_length=2000)

    @model_validator(mode="after")
    def _foam_has_ratio(self) -> InjectionIn:
        if self.technique == "foam" and self.liquid_gas_ratio is None:
            raise ValueError("foam needs its liquid:gas ratio, e.g. 1:4")
        if self.technique == "liquid" and self.liquid_gas_ratio is not None:
            raise ValueError("a liquid injection has no liquid:gas ratio")
        return self


class InjectionVoid(Strict):
    """Why a charted injection is voided (a charting error): the reason is kept and audited."""

    reason: str = Field(min_length=5, max_length=2000)


class InjectionCorrection(Strict):
    """A correction: the reason, and only what changes; the rest is kept from the original."""

    reason: str = Field(min_length=5, max_length=2000)
    side: SideCode | None = None
    region: RegionCode | None = None
    finding_id: int | None = None
    agent: Annotated[str, code_in(Agent.codes(), "agent")] | None = None
    concentration_percent: float | None = Field(default=None, gt=0, le=3)
    volume_ml: float | None = Field(default=None, gt=0, le=20)
    technique: Annotated[str, code_in(("liquid", "foam"), "technique")] | None = None
    liquid_gas_ratio: Ratio | None = None
    needle_gauge: int | None = Field(default=None, ge=25, le=33)
    lot_number: str | None = Field(default=None, max_length=40)
    override_reason: str | None = Field(default=None, min_length=5, max_length=2000)


class SessionClose(Strict):
    compression_given: str = Field(min_length=2, max_length=500)
    aftercare_given: bool
    notes: Note = None

    @model_validator(mode="after")
    def _aftercare_confirmed(self) -> SessionClose:
        if not self.aftercare_given:
            raise ValueError("confirm that the aftercare instructions were given")
        return self


class InjectionOut(Out):
    id: int
    side: str
    region: str
    finding_id: int | None
    vein_type: str | None
    agent: str
    concentration_percent: float
    volume_ml: float
    technique: str
    liquid_gas_ratio: str | None
    needle_gauge: int | None
    lot_number: str | None
    agent_mg: float
    override_reason: str | None
    charted_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None
    replaces_id: int | None = None


class ChartedInjection(InjectionOut):
    """An injection just charted, with the precautions the engine raises at this point."""

    precautions: list[dict[str, Any]]


class SessionOut(Out):
    id: int
    patient_id: int
    plan_id: int
    appointment_id: int | None
    status: str
    started_at: datetime
    closed_at: datetime | None
    checklist: dict[str, Any]
    weight_kg: float
    limits: dict[str, Any]
    protocol_version: str
    compression: dict[str, Any] | None
    aftercare: list[str] | None
    notes: str | None
    injections: list[InjectionOut]  # given: what counts
    charted: list[InjectionOut]  # the record: voided ones included, struck through on the page


class TallyOut(Strict):
    """Where the session stands against its limits."""

    limits: dict[str, Any]
    totals: dict[str, float]
    remaining: dict[str, float | None]
    precautions: list[dict[str, Any]]
