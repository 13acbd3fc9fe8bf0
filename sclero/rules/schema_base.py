"""The building blocks of the protocol file's schema: vocabulary-checked code types, value
types, and the strict and sourced base models every section derives from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sclero.rules import vocabulary as v


def _code_of(kind: type[v.Coded], name: str) -> Callable[[str], str]:
    codes = kind.codes()

    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(f"unknown {name} code {value!r}; known: {', '.join(sorted(codes))}")
        return str(value)

    return check


ConditionCode = Annotated[str, AfterValidator(_code_of(v.Condition, "condition"))]
MedicationCode = Annotated[str, AfterValidator(_code_of(v.Medication, "medication"))]
AllergyCode = Annotated[str, AfterValidator(_code_of(v.Allergy, "allergy"))]
RegionCode = Annotated[str, AfterValidator(_code_of(v.Region, "region"))]
VeinTypeCode = Annotated[str, AfterValidator(_code_of(v.VeinType, "vein type"))]
AgentCode = Annotated[str, AfterValidator(_code_of(v.Agent, "agent"))]
TechniqueCode = Annotated[str, AfterValidator(_code_of(v.Technique, "technique"))]
DecisionCode = Annotated[str, AfterValidator(_code_of(v.Decision, "decision"))]
KindCode = Annotated[str, AfterValidator(_code_of(v.FindingKind, "finding kind"))]
AppliesToCode = Annotated[str, AfterValidator(_code_of(v.AppliesTo, "applies_to"))]
TargetCode = Annotated[str, AfterValidator(_code_of(v.ReferralTarget, "referral target"))]
SymptomCode = Annotated[str, AfterValidator(_code_of(v.Symptom, "symptom"))]
LevelCode = Annotated[str, AfterValidator(_code_of(v.TriageLevel, "triage level"))]

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, Field(min_length=1)]
SourceIds = Annotated[tuple[str, ...], Field(min_length=1)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Days = Annotated[int, Field(ge=0)]
ApplicationTechnique = Literal["liquid", "foam"]
HormoneEffect = Literal["contraindicated", "refer", "eligible_with_precautions"]
DuplexFinding = Literal["saphenous_reflux", "perforator_reflux", "deep_reflux"]


class Strict(BaseModel):
    """Immutable, refuses unknown keys."""

    # defer_build: the schema is built once, for the whole file, when a protocol is validated —
    # not per class at import (keeps `sclero evaluate` fast).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Sourced(Strict):
    """A rule with the ids of its sources and whether its facts are confirmed."""

    sources: SourceIds
    confirmed: bool
