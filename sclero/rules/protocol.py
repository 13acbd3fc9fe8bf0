"""A loaded protocol: the validated file plus the indexes the engine looks rules up in.

Everything the engine asks per case is a dictionary lookup here, built once at load time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from sclero.rules.schema import (
    Bound,
    ConcentrationRow,
    ContraindicationRule,
    ProtocolFile,
    ReferralRule,
    ScreeningRule,
    TriageRule,
    VolumeRow,
    WeightChange,
)
from sclero.rules.vocabulary import STRICTNESS

RANK: Final[MappingProxyType[str, int]] = MappingProxyType(
    {decision.value: index for index, decision in enumerate(STRICTNESS)}
)
PRECAUTIONS_RANK: Final[int] = RANK["eligible_with_precautions"]
ELIGIBLE_RANK: Final[int] = RANK["eligible"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A screening rule ready for the engine: its decision effect and where it comes from."""

    code: str
    kind: str
    applies_to: str
    effect: str
    message: str
    sources: tuple[str, ...]
    confirmed: bool
    excludes_agent: str | None = None
    rank: int = ELIGIBLE_RANK

    @classmethod
    def of(cls, rule: ScreeningRule, message: str | None = None, effect: str | None = None) -> Rule:
        excludes = rule.excludes_agent if isinstance(rule, ContraindicationRule) else None
        decided = effect or rule.effect
        assert decided is not None  # the schema requires effect or effect_setting
        return cls(
            code=rule.code,
            kind=rule.kind,
            applies_to=rule.applies_to,
            effect=decided,
            message=message or rule.message,
            sources=rule.sources,
            confirmed=rule.confirmed,
            excludes_agent=excludes,
            rank=RANK[decided],
        )


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral rule: fires when every condition holds; also a screening finding."""

    rule: Rule
    to: str
    vein_types: frozenset[str] | None
    regions: frozenset[str] | None
    duplex: str | None
    duplex_performed: bool | None
    minor: bool = False

    @classmethod
    def of(cls, spec: ReferralRule) -> Referral:
        when = spec.when
        rule = Rule(
            code=spec.code,
            kind="info",
            applies_to="all",
            effect="refer",
            message=spec.message,
            sources=spec.sources,
            confirmed=spec.confirmed,
            rank=RANK["refer"],
        )
        return cls(
            rule=rule,
            to=spec.to,
            vein_types=frozenset(when.vein_types) if when.vein_types is not None else None,
            regions=frozenset(when.regions) if when.regions is not None else None,
            duplex=when.duplex,
            duplex_performed=when.duplex_performed,
            minor=bool(when.minor),
        )


@dataclass(frozen=True, slots=True)
class SessionLimitValues:
    """The session-limit numbers chosen by the protocol's settings."""

    polidocanol_mg_per_kg: float
    max_liquid_ml: float
    max_sts_ml: float
    max_foam_ml: float
    anaphylaxis_ml: float
    anaphylaxis_message: str
    sources: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True, slots=True)
class CompressionDays:
    """Days of compression after treating one vein type with one technique (settings applied)."""

    min_days: int
    max_days: int
    sources: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True, eq=False)
class Protocol:
    """A validated protocol with its lookup indexes. Build it with `load_protocol`."""

    spec: ProtocolFile
    path: str
    conditions: MappingProxyType[str, Rule] = field(init=False)
    medications: MappingProxyType[str, Rule] = field(init=False)
    allergies: MappingProxyType[str, Rule] = field(init=False)
    pregnancy: Rule | None = field(init=False)
    breastfeeding: Rule | None = field(init=False)
    case_rules: MappingProxyType[str, Rule] = field(init=False)
    referrals: tuple[Referral, ...] = field(init=False)
    thresholds: tuple[tuple[float, str], ...] = field(init=False)
    top_vein_type: str = field(init=False)
    diameter_vein_types: frozenset[str] = field(init=False)
    techniques: MappingProxyType[str, tuple[str, ...]] = field(init=False)
    concentrations: MappingProxyType[tuple[str, str, str], ConcentrationRow] = field(init=False)
    volumes: MappingProxyType[tuple[str, str], VolumeRow] = field(init=False)
    limits: SessionLimitValues = field(init=False)
    triage_rules: MappingProxyType[str, TriageRule] = field(init=False)
    order_rank: MappingProxyType[str, int] = field(init=False)
    foam_liquid_fraction: float = field(init=False)
    compression: MappingProxyType[tuple[str, str], CompressionDays] = field(init=False)
    plan_cache: dict[Any, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        spec = self.spec
        # Fields read as they are, not model_dump(): the settings are flat values, and a protocol
        # restored by `sclero evaluate`'s cache then never builds pydantic's serializers.
        values = dict(spec.settings)
        by_trigger: dict[str, dict[str, Rule]] = {"condition": {}, "medication": {}, "allergy": {}}
        flags: dict[str, Rule] = {}
        for raw in spec.contraindications:
            effect = values[raw.effect_setting] if raw.effect_setting else None
            rule = Rule.of(raw, raw.message.format(**values), effect)
            ((trigger, code),) = [(name, value) for name, value in raw.when if value is not None]
            if trigger in by_trigger:
                by_trigger[trigger][str(code)] = rule
            else:
                flags[trigger] = rule
        self._set("conditions", MappingProxyType(by_trigger["condition"]))
        self._set("medications", MappingProxyType(by_trigger["medication"]))
        self._set("allergies", MappingProxyType(by_trigger["allergy"]))
        self._set("pregnancy", flags.get("pregnant"))
        self._set("breastfeeding", flags.get("breastfeeding"))
        self._set("case_rules", MappingProxyType({r.code: Rule.of(r) for r in spec.case_rules}))
        self._set("referrals", tuple(Referral.of(r) for r in spec.referrals))
        self._index_veins()
        self._set("limits", _limit_values(spec))
        self._set("triage_rules", MappingProxyType({r.symptom: r for r in spec.triage}))
        ratio = spec.foam.liquid_gas_ratio
        self._set("foam_liquid_fraction", ratio.liquid / (ratio.liquid + ratio.gas))
        self._set("compression", MappingProxyType(_compression_days(spec)))
        self._set("plan_cache", {})

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def _index_veins(self) -> None:
        spec = self.spec
        rows = spec.vein_classification.by_diameter
        self._set("thresholds", tuple((r.below_mm, r.vein_type) for r in rows if r.below_mm))
        self._set("top_vein_type", rows[-1].vein_type)
        self._set("diameter_vein_types", frozenset(r.vein_type for r in rows))
        self._set("techniques", MappingProxyType({r.vein_type: r.order for r in spec.techniques}))
        concentrations = {(r.vein_type, r.agent, r.technique): r for r in spec.concentrations}
        self._set("concentrations", MappingProxyType(concentrations))
        volumes = {(r.vein_type, r.technique): r for r in spec.volume_per_injection}
        self._set("volumes", MappingProxyType(volumes))
        order = spec.plan_order.vein_types
        ranks = {vein_type: index for index, vein_type in enumerate(order)}
        self._set("order_rank", MappingProxyType(ranks))

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def interval_days(self) -> int:
        return self.spec.settings.interval_days

    @property
    def follow_up_days(self) -> int:
        return self.spec.settings.follow_up_days

    @property
    def follow_up_grace_days(self) -> int:
        return self.spec.settings.follow_up_grace_days

    @property
    def agent_preference(self) -> tuple[str, ...]:
        return self.spec.settings.agent_preference

    @property
    def session_weight_change(self) -> WeightChange:
        """How far a session's weight may move from the evaluated one before a physician
        confirms it (percent, with its sources)."""
        return self.spec.session_weight_change

    @property
    def minor_below_age_years(self) -> int:
        return self.spec.settings.minor_below_age_years

    @property
    def clearance_labels(self) -> dict[int, str]:
        """Follow-up clearance level → its words (`3: 75–100 % gone`)."""
        return {row.level: row.label for row in self.spec.clearance_scale.levels}

    @property
    def checklist_labels(self) -> dict[str, str]:
        """Pre-procedure checklist code → its words, in the protocol's order."""
        return {item.code: item.label for item in self.spec.checklist}

    def bound(self, name: str) -> Bound:
        """The plausible range of `age_years`, `weight_kg` or `diameter_mm`."""
        bound: Bound = getattr(self.spec.plausibility, name)
        return bound

    @property
    def rule_count(self) -> int:
        """Rules a clinician can review: screening, referral, table rows, limits, triage."""
        spec = self.spec
        tables = (
            spec.contraindications,
            spec.case_rules,
            spec.referrals,
            spec.techniques,
            spec.concentrations,
            spec.volume_per_injection,
            spec.compression.rules,
            spec.triage,
            spec.vein_classification.by_diameter,
            spec.vein_classification.named_only,
        )
        # 5 session limits + foam ratio + interval + follow-up + plan order
        return sum(len(table) for table in tables) + 9

    def classify(self, diameter_mm: float) -> str:
        """The vein type of a vein of this diameter (CEAP2020 thresholds from the file)."""
        for below, vein_type in self.thresholds:
            if diameter_mm < below:
                return vein_type
        return self.top_vein_type

    def __repr__(self) -> str:
        return f"Protocol(id={self.id!r}, version={self.version!r}, path={self.path!r})"


def _limit_values(spec: ProtocolFile) -> SessionLimitValues:
    limits = spec.session_limits
    foam = getattr(limits.max_foam_ml, spec.settings.max_foam_ml_choice)
    parts = (limits.polidocanol_mg_per_kg, limits.max_liquid_ml, limits.max_sts_ml, foam)
    sources = tuple(dict.fromkeys(s for part in parts for s in part.sources))
    return SessionLimitValues(
        polidocanol_mg_per_kg=limits.polidocanol_mg_per_kg.value,
        max_liquid_ml=limits.max_liquid_ml.value,
        max_sts_ml=limits.max_sts_ml.value,
        max_foam_ml=foam.value,
        anaphylaxis_ml=limits.polidocanol_anaphylaxis_ml.value,
        anaphylaxis_message=limits.polidocanol_anaphylaxis_ml.message,
        sources=sources,
        confirmed=all(part.confirmed for part in parts),
    )


def _compression_days(spec: ProtocolFile) -> dict[tuple[str, str], CompressionDays]:
    compression = spec.compression
    setting = spec.settings.microsclerotherapy_compression
    micro = set(spec.settings.microsclerotherapy_vein_types)
    days: dict[tuple[str, str], CompressionDays] = {}
    for rule in compression.rules:
        key = (rule.vein_type, rule.technique)
        if rule.vein_type in micro and setting == "none":
            days[key] = CompressionDays(0, 0, compression.none.sources, compression.none.confirmed)
        elif rule.vein_type in micro and setting == "extended":
            ext = compression.extended
            days[key] = CompressionDays(ext.min_days, ext.max_days, ext.sources, ext.confirmed)
        else:
            days[key] = CompressionDays(rule.min_days, rule.max_days, rule.sources, rule.confirmed)
    return days
