"""Pydantic schema of a protocol file: its sections, shapes and ranges, nothing clinical.

Every model forbids unknown keys, so a typo in a clinic's copy is refused instead of ignored.
Codes are checked against `vocabulary.py` and kept as plain strings (see `schema_base.py`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sclero.rules.schema_base import (
    AgentCode,
    AllergyCode,
    ApplicationTechnique,
    AppliesToCode,
    Code,
    ConditionCode,
    Days,
    DecisionCode,
    DuplexFinding,
    HormoneEffect,
    KindCode,
    LevelCode,
    MedicationCode,
    Positive,
    RegionCode,
    Sourced,
    SourceIds,
    Strict,
    SymptomCode,
    TargetCode,
    TechniqueCode,
    Text,
    VeinTypeCode,
)


class SourceEntry(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
    citation: Text


class Settings(Strict):
    """The knobs where sources disagree; defaults in the shipped file are the safer ones."""

    interval_days: Annotated[int, Field(gt=0)]
    follow_up_days: Annotated[int, Field(gt=0)]
    follow_up_grace_days: Annotated[int, Field(ge=0)]
    max_foam_ml_choice: Literal["consensus", "varithena"]
    microsclerotherapy_compression: Literal["per_vein_type", "none", "extended"]
    microsclerotherapy_vein_types: tuple[VeinTypeCode, ...]
    breastfeeding_pause_hours: Annotated[int, Field(gt=0)]
    face_policy: Literal["physician_review"]
    agent_preference: Annotated[tuple[AgentCode, ...], Field(min_length=1)]
    oral_contraceptive_effect: HormoneEffect
    hormone_replacement_effect: HormoneEffect
    minor_below_age_years: Annotated[int, Field(gt=0, le=21)]


class Bound(Sourced):
    """The plausible range of a measured value; outside it the value is refused as a slip."""

    min: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    max: Positive
    unit: Text

    @model_validator(mode="after")
    def _ordered(self) -> Bound:
        if self.min >= self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        return self


class Plausibility(Strict):
    """Bounds applied identically by the engine, the API, the pages and the command line."""

    age_years: Bound
    weight_kg: Bound
    diameter_mm: Bound


class WeightChange(Sourced):
    """How far a session's weight may differ from the evaluated one (percent) before a
    physician confirms it: the weight sets the session's dose ceiling."""

    max_percent: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)]


class Position(Strict):
    position: Text
    sources: SourceIds


class Disagreement(Strict):
    code: Code
    topic: Text
    positions: Annotated[tuple[Position, ...], Field(min_length=2)]
    setting: Text
    default: Text


class DiameterRow(Strict):
    vein_type: VeinTypeCode
    below_mm: Positive | None
    ceap: Text


class NamedRow(Strict):
    vein_type: VeinTypeCode
    ceap: Text


class VeinClassification(Sourced):
    by_diameter: Annotated[tuple[DiameterRow, ...], Field(min_length=1)]
    named_only: tuple[NamedRow, ...]


class TechniqueRow(Sourced):
    vein_type: VeinTypeCode
    order: Annotated[tuple[TechniqueCode, ...], Field(min_length=1)]


class ConcentrationRow(Sourced):
    vein_type: VeinTypeCode
    agent: AgentCode
    technique: ApplicationTechnique
    min: Positive | None
    max: Positive

    @model_validator(mode="after")
    def _ordered(self) -> ConcentrationRow:
        if self.min is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class VolumeRow(Sourced):
    vein_type: VeinTypeCode
    technique: ApplicationTechnique
    max_ml: Positive


class Limit(Sourced):
    value: Positive


class MessageLimit(Limit):
    message: Text


class FoamLimits(Strict):
    consensus: Limit
    varithena: Limit


class SessionLimitsSpec(Strict):
    polidocanol_mg_per_kg: Limit
    max_liquid_ml: Limit
    max_sts_ml: Limit
    max_foam_ml: FoamLimits
    polidocanol_anaphylaxis_ml: MessageLimit


class Ratio(Strict):
    liquid: Annotated[int, Field(gt=0)]
    gas: Annotated[int, Field(gt=0)]


class RatioRange(Strict):
    min_gas_per_liquid: Positive
    max_gas_per_liquid: Positive


class FoamSpec(Sourced):
    method: Text
    liquid_gas_ratio: Ratio
    ratio_range: RatioRange
    use_within_seconds: Annotated[int, Field(gt=0)]


class When(Strict):
    """Exactly one trigger from the patient's record."""

    condition: ConditionCode | None = None
    medication: MedicationCode | None = None
    allergy: AllergyCode | None = None
    pregnant: Literal[True] | None = None
    breastfeeding: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> When:
        if len(self.model_dump(exclude_none=True)) != 1:
            raise ValueError(
                "name exactly one of condition, medication, allergy, pregnant, breastfeeding"
            )
        return self


class ScreeningRule(Sourced):
    code: Code
    kind: KindCode
    applies_to: AppliesToCode
    effect: DecisionCode
    message: Text


class ContraindicationRule(ScreeningRule):
    when: When
    excludes_agent: AgentCode | None = None
    # the effect is the value of this setting (a listed disagreement), not `effect`
    effect_setting: Literal["oral_contraceptive_effect", "hormone_replacement_effect"] | None = None
    effect: DecisionCode | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_effect(self) -> ContraindicationRule:
        if (self.effect is None) == (self.effect_setting is None):
            raise ValueError("give either effect or effect_setting (a setting's name), not both")
        return self


class ReferralWhen(Strict):
    """Conditions on the case; every condition given must hold."""

    vein_types: tuple[VeinTypeCode, ...] | None = None
    regions: tuple[RegionCode, ...] | None = None
    duplex: DuplexFinding | None = None
    duplex_performed: bool | None = None
    minor: Literal[True] | None = None  # younger than settings.minor_below_age_years

    @model_validator(mode="after")
    def _not_empty(self) -> ReferralWhen:
        if not self.model_dump(exclude_none=True):
            raise ValueError("a referral needs at least one condition")
        return self


class ReferralRule(Sourced):
    code: Code
    when: ReferralWhen
    to: TargetCode
    message: Text


class PlanOrder(Sourced):
    vein_types: tuple[VeinTypeCode, ...]
    message: Text


class CompressionRule(Sourced):
    vein_type: VeinTypeCode
    technique: ApplicationTechnique
    min_days: Days
    max_days: Days


class DaysRange(Sourced):
    min_days: Days
    max_days: Days


class CompressionSpec(Strict):
    rules: tuple[CompressionRule, ...]
    extended: DaysRange
    none: Sourced
    message: Text
    sources: SourceIds


class TextItem(Sourced):
    code: Code
    message: Text


class Fade(Strict):
    vein_types: tuple[VeinTypeCode, ...]
    min: Positive
    max: Positive
    unit: Literal["weeks", "months"]


class PercentRange(Strict):
    min: Annotated[float, Field(ge=0, le=100)]
    max: Annotated[float, Field(ge=0, le=100)]


class Expectations(Sourced):
    fade: tuple[Fade, ...]
    success_rate_percent: PercentRange
    message: Text


class ExpectedSessions(Sourced):
    min: Annotated[int, Field(gt=0)]
    max: Annotated[int, Field(gt=0)]


class TriageRule(Sourced):
    symptom: SymptomCode
    level: LevelCode
    message: Text


class FrequencyWord(Strict):
    code: Code
    meaning: Text


class AdverseEvent(Sourced):
    code: Code
    label: Text
    liquid: Code | None
    foam: Code | None
    triage: LevelCode


class AdverseEvents(Strict):
    frequency_words: tuple[FrequencyWord, ...]
    events: tuple[AdverseEvent, ...]


class ConsentRisk(Sourced):
    """A risk the consent names, with how often it happens (a frequency word or a text)."""

    code: Code
    label: Text
    frequency: Text | None = None


class ChecklistItem(Sourced):
    """A pre-procedure check; `stops` says what an unticked item means for today."""

    code: Code
    label: Text
    stops: Literal["contraindication", "check"]


class ClearanceLevel(Strict):
    level: Annotated[int, Field(ge=0, le=9)]
    label: Text


class ClearanceScale(Sourced):
    """Follow-up clearance per treated region; `success_level` and above count as a success."""

    levels: Annotated[tuple[ClearanceLevel, ...], Field(min_length=2)]
    success_level: Annotated[int, Field(ge=0)]
    success_sources: SourceIds
    benchmark_percent: PercentRange
    benchmark_sources: SourceIds


class EmergencySigns(Sourced):
    """Signs after a session that mean urgent care now (consent, aftercare sheet, pages)."""

    signs: Annotated[tuple[Text, ...], Field(min_length=1)]
    message: Text


class ProtocolFile(Strict):
    """A whole protocol file."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    version: Text
    title: Text
    sources: Annotated[tuple[SourceEntry, ...], Field(min_length=1)]
    settings: Settings
    disagreements: tuple[Disagreement, ...]
    vein_classification: VeinClassification
    techniques: tuple[TechniqueRow, ...]
    concentrations: tuple[ConcentrationRow, ...]
    volume_per_injection: tuple[VolumeRow, ...]
    session_limits: SessionLimitsSpec
    foam: FoamSpec
    contraindications: tuple[ContraindicationRule, ...]
    case_rules: tuple[ScreeningRule, ...]
    referrals: tuple[ReferralRule, ...]
    plan_order: PlanOrder
    compression: CompressionSpec
    preparation: tuple[TextItem, ...]
    aftercare: tuple[TextItem, ...]
    expectations: Expectations
    expected_sessions: ExpectedSessions
    triage: tuple[TriageRule, ...]
    adverse_events: AdverseEvents
    plausibility: Plausibility
    session_weight_change: WeightChange
    consent_risks: Annotated[tuple[ConsentRisk, ...], Field(min_length=1)]
    checklist: Annotated[tuple[ChecklistItem, ...], Field(min_length=1)]
    clearance_scale: ClearanceScale
    emergency_signs: EmergencySigns
