"""The dose guard's value types: one injection's facts, a session's limits, and the verdict on an
injection (violations, precautions, the tally), each convertible to plain JSON types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sclero.rules import vocabulary as v

POLIDOCANOL = v.Agent.POLIDOCANOL.value
STS = v.Agent.SODIUM_TETRADECYL_SULFATE.value
MG_PER_ML_PER_PERCENT = 10.0  # 1 % w/v = 1 g / 100 mL = 10 mg/mL (physics, not a clinical number)


@dataclass(frozen=True, slots=True)
class InjectionFacts:
    """One injection as charted; for foam `volume_ml` is the foam volume."""

    agent: str
    technique: Literal["liquid", "foam"] | str
    concentration_percent: float
    volume_ml: float
    vein_type: str | None = None
    liquid_gas_ratio: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """The most that may be given in one session to this patient, with the sources."""

    weight_kg: float
    max_agent_mg: float
    max_liquid_ml: float
    max_sts_ml: float
    max_foam_ml: float
    anaphylaxis_precaution_ml: float
    sources: tuple[str, ...]
    confirmed: bool
    source_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    confirmed_map: Mapping[str, bool] = field(default_factory=dict)
    agent: str = POLIDOCANOL

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SessionLimits:
        """The limits as `to_document` wrote them (a session keeps the limits it started with)."""
        return cls(
            weight_kg=float(document["weight_kg"]),
            max_agent_mg=float(document["max_agent_mg"]),
            max_liquid_ml=float(document["max_liquid_ml"]),
            max_sts_ml=float(document["max_sts_ml"]),
            max_foam_ml=float(document["max_foam_ml"]),
            anaphylaxis_precaution_ml=float(document["anaphylaxis_precaution_ml"]),
            sources=tuple(document["sources"]),
            confirmed=bool(document["confirmed"]),
            source_map={k: tuple(v) for k, v in document.get("source_map", {}).items()},
            confirmed_map=dict(document.get("confirmed_map", {})),
            agent=str(document.get("max_agent_mg_agent", POLIDOCANOL)),
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "weight_kg": self.weight_kg,
            "max_agent_mg": self.max_agent_mg,
            "max_agent_mg_agent": self.agent,
            "max_liquid_ml": self.max_liquid_ml,
            "max_sts_ml": self.max_sts_ml,
            "max_foam_ml": self.max_foam_ml,
            "anaphylaxis_precaution_ml": self.anaphylaxis_precaution_ml,
            "sources": list(self.sources),
            "source_map": {key: list(value) for key, value in self.source_map.items()},
            "confirmed_map": dict(self.confirmed_map),
            "confirmed": self.confirmed,
        }


@dataclass(frozen=True, slots=True)
class DoseViolation:
    """A limit the injection would break.

    `given` is the total including the injection; `remaining` what was left before it.
    """

    code: str
    message: str
    given: float
    limit: float | None
    remaining: float | None
    unit: str
    sources: tuple[str, ...]
    confirmed: bool = True


@dataclass(frozen=True, slots=True)
class DosePrecaution:
    """A warning to show at this point of charting; it does not block."""

    code: str
    message: str
    sources: tuple[str, ...]
    confirmed: bool = True


@dataclass(frozen=True, slots=True)
class DoseTally:
    """Session totals including the new injection."""

    agent_mg: Mapping[str, float]
    solution_ml: Mapping[str, float]
    liquid_ml: float
    foam_ml: float


@dataclass(frozen=True, slots=True)
class DoseCheck:
    """The verdict on one injection: allowed only when there is no violation."""

    allowed: bool
    violations: list[DoseViolation]
    precautions: list[DosePrecaution]
    tally: DoseTally

    def to_document(self) -> dict[str, Any]:
        """The verdict as plain JSON types (the `injection_check` of a result document)."""
        return {
            "allowed": self.allowed,
            "violations": [_fields(v) for v in self.violations],
            "precautions": [_fields(p) for p in self.precautions],
            "tally": {
                "agent_mg": dict(self.tally.agent_mg),
                "solution_ml": dict(self.tally.solution_ml),
                "liquid_ml": self.tally.liquid_ml,
                "foam_ml": self.tally.foam_ml,
            },
        }


def _fields(item: DoseViolation | DosePrecaution) -> dict[str, Any]:
    row = {name: getattr(item, name) for name in item.__slots__}
    row["sources"] = list(item.sources)
    return row
