"""The dose guard: session limits by weight and the check of each injection while charting.

The engine only reports; an override (physician and reason) is decided and recorded outside it.
Mass of agent = liquid fraction × volume (mL) × concentration (% w/v) × 10 mg/mL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from sclero.rules import vocabulary as v
from sclero.rules.dose_facts import (
    MG_PER_ML_PER_PERCENT,
    POLIDOCANOL,
    STS,
    DoseCheck,
    DosePrecaution,
    DoseTally,
    DoseViolation,
    InjectionFacts,
    SessionLimits,
)
from sclero.rules.errors import CaseError
from sclero.rules.loading import default_protocol
from sclero.rules.plausibility import plausible
from sclero.rules.protocol import Protocol

_EPSILON = 1e-9
_AGENTS = v.Agent.codes()


def session_limits(weight_kg: float, protocol: Protocol | None = None) -> SessionLimits:
    """Session limits for a patient of this weight; every limit applies (the strictest wins)."""
    p = protocol or default_protocol()
    weight_kg = plausible(weight_kg, "weight_kg", p)  # 1e308 kg would be an infinite ceiling
    values = p.limits
    source_map, confirmed_map = _limit_maps(p)
    return SessionLimits(
        weight_kg=float(weight_kg),
        max_agent_mg=round(values.polidocanol_mg_per_kg * weight_kg, 6),
        max_liquid_ml=values.max_liquid_ml,
        max_sts_ml=values.max_sts_ml,
        max_foam_ml=values.max_foam_ml,
        anaphylaxis_precaution_ml=values.anaphylaxis_ml,
        sources=values.sources,
        confirmed=values.confirmed,
        source_map=source_map,
        confirmed_map=confirmed_map,
    )


def _limit_maps(p: Protocol) -> tuple[Mapping[str, tuple[str, ...]], Mapping[str, bool]]:
    """Sources and confirmation per limit, built once per protocol."""
    cached: tuple[Mapping[str, tuple[str, ...]], Mapping[str, bool]] | None
    cached = p.plan_cache.get("limit_maps")
    if cached is None:
        spec = p.spec.session_limits
        parts = {
            "max_agent_mg": spec.polidocanol_mg_per_kg,
            "max_liquid_ml": spec.max_liquid_ml,
            "max_sts_ml": spec.max_sts_ml,
            "max_foam_ml": getattr(spec.max_foam_ml, p.spec.settings.max_foam_ml_choice),
            "anaphylaxis_precaution_ml": spec.polidocanol_anaphylaxis_ml,
        }
        cached = (
            MappingProxyType({key: part.sources for key, part in parts.items()}),
            MappingProxyType({key: part.confirmed for key, part in parts.items()}),
        )
        p.plan_cache["limit_maps"] = cached
    return cached


def liquid_fraction(injection: InjectionFacts, protocol: Protocol) -> float:
    """The share of the injected volume that is sclerosant solution."""
    if injection.technique == "liquid":
        return 1.0
    if injection.liquid_gas_ratio is None:
        return protocol.foam_liquid_fraction
    liquid, gas = injection.liquid_gas_ratio
    return liquid / (liquid + gas)


def tally(injections: Sequence[InjectionFacts], protocol: Protocol) -> DoseTally:
    """Session totals of these injections."""
    agent_mg: dict[str, float] = {}
    solution_ml: dict[str, float] = {}
    liquid_ml = foam_ml = 0.0
    for injection in injections:
        solution = liquid_fraction(injection, protocol) * injection.volume_ml
        mg = solution * injection.concentration_percent * MG_PER_ML_PER_PERCENT
        agent_mg[injection.agent] = round(agent_mg.get(injection.agent, 0.0) + mg, 6)
        solution_ml[injection.agent] = round(solution_ml.get(injection.agent, 0.0) + solution, 6)
        if injection.technique == "liquid":
            liquid_ml += injection.volume_ml
        else:
            foam_ml += injection.volume_ml
    return DoseTally(agent_mg, solution_ml, round(liquid_ml, 6), round(foam_ml, 6))


def check_injection(
    limits: SessionLimits,
    charted: Sequence[InjectionFacts],
    new: InjectionFacts,
    protocol: Protocol | None = None,
) -> DoseCheck:
    """Check a new injection against the protocol's per-injection and session limits."""
    p = protocol or default_protocol()
    for index, injection in enumerate(charted):
        validate_injection(injection, f"charted[{index}]")
    validate_injection(new, "new")
    before = tally(charted, p)
    after = tally([*charted, new], p)
    violations: list[DoseViolation] = []
    precautions: list[DosePrecaution] = []
    _check_point(new, p, violations, precautions)
    _check_session(
        limits, new, before, after, p.limits.anaphylaxis_message, violations, precautions
    )
    return DoseCheck(not violations, violations, precautions, after)


def validate_injection(injection: InjectionFacts, field: str) -> None:
    """Refuse an injection with an unknown code or an impossible number."""
    if injection.agent not in _AGENTS:
        raise CaseError(f"{field}.agent", f"unknown agent {injection.agent!r}")
    if injection.technique not in ("liquid", "foam"):
        raise CaseError(f"{field}.technique", "expected liquid or foam")
    if injection.vein_type is not None and injection.vein_type not in v.VeinType.codes():
        raise CaseError(f"{field}.vein_type", f"unknown vein type {injection.vein_type!r}")
    for name in ("concentration_percent", "volume_ml"):
        value = getattr(injection, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CaseError(f"{field}.{name}", "expected a number")
        if not math.isfinite(value) or value <= 0:
            raise CaseError(f"{field}.{name}", "must be a number greater than 0")
    ratio = injection.liquid_gas_ratio
    if ratio is not None:
        if injection.technique != "foam":
            raise CaseError(f"{field}.liquid_gas_ratio", "a liquid:gas ratio is only for foam")
        if len(ratio) != 2 or any(
            isinstance(x, bool) or not isinstance(x, int) or x <= 0 for x in ratio
        ):
            raise CaseError(f"{field}.liquid_gas_ratio", "expected two whole numbers, e.g. (1, 4)")


def _check_point(
    new: InjectionFacts,
    p: Protocol,
    violations: list[DoseViolation],
    precautions: list[DosePrecaution],
) -> None:
    _check_ratio(new, p, precautions)
    if new.vein_type is None:
        # Without a vein type neither the concentration nor the volume per injection can be
        # checked: that is a departure a physician must own, not a footnote.
        violations.append(
            DoseViolation(
                "vein_type_unknown",
                "No vein type for this site: choose the vein finding injected, so the "
                "concentration and the volume per injection can be checked.",
                new.volume_ml, None, None, "mL", p.spec.vein_classification.sources,
            )
        )  # fmt: skip
        return
    row = p.concentrations.get((new.vein_type, new.agent, new.technique))
    if row is None:
        sources = next(t.sources for t in p.spec.techniques if t.vein_type == new.vein_type)
        violations.append(
            DoseViolation(
                "no_protocol_range",
                f"The protocol has no {v.label_of(new.technique).lower()} {v.label_of(new.agent)} "
                f"for {_veins(new.vein_type)}.",
                new.concentration_percent, None, None, "%", sources,
            )
        )  # fmt: skip
    else:
        _check_concentration(
            new, row.min, row.max, row.sources, row.confirmed, violations, precautions
        )
    volume = p.volumes.get((new.vein_type, new.technique))
    if volume is not None and new.volume_ml > volume.max_ml + _EPSILON:
        violations.append(
            DoseViolation(
                "volume_per_injection_above_max",
                f"{new.volume_ml:g} mL in one injection is above the {volume.max_ml:g} mL maximum "
                f"per injection point for {_veins(new.vein_type)}.",
                new.volume_ml, volume.max_ml, None, "mL", volume.sources, volume.confirmed,
            )
        )  # fmt: skip


def _veins(vein_type: str | None) -> str:
    """A vein type as a message names it: "saphenous trunk veins", not the code."""
    if vein_type is None:
        return "this vein"
    text = v.label_of(vein_type).lower()
    return text if "vein" in text else f"{text} veins"


def _check_concentration(
    new: InjectionFacts,
    low: float | None,
    high: float,
    sources: tuple[str, ...],
    confirmed: bool,
    violations: list[DoseViolation],
    precautions: list[DosePrecaution],
) -> None:
    given = new.concentration_percent
    if given > high + _EPSILON:
        message = f"{given:g} % is above the {high:g} % maximum for {_veins(new.vein_type)}."
        violations.append(
            DoseViolation(
                "concentration_above_max", message, given, high, None, "%", sources, confirmed
            )
        )
    elif low is not None and given < low - _EPSILON:
        message = (
            f"{given:g} % is below the usual {low:g}–{high:g} % range for {_veins(new.vein_type)}."
        )
        precautions.append(DosePrecaution("concentration_below_range", message, sources, confirmed))


def _check_ratio(new: InjectionFacts, p: Protocol, precautions: list[DosePrecaution]) -> None:
    if new.liquid_gas_ratio is None:
        return
    liquid, gas = new.liquid_gas_ratio
    ratio_range = p.spec.foam.ratio_range
    if (
        not ratio_range.min_gas_per_liquid - _EPSILON
        <= gas / liquid
        <= ratio_range.max_gas_per_liquid + _EPSILON
    ):
        message = (
            f"Liquid:gas {liquid}:{gas} is outside the usual 1:{ratio_range.min_gas_per_liquid:g}"
            f"–1:{ratio_range.max_gas_per_liquid:g} range."
        )
        precautions.append(
            DosePrecaution(
                "foam_ratio_outside_range", message, p.spec.foam.sources, p.spec.foam.confirmed
            )
        )


def _check_session(
    limits: SessionLimits,
    new: InjectionFacts,
    before: DoseTally,
    after: DoseTally,
    message: str,
    violations: list[DoseViolation],
    precautions: list[DosePrecaution],
) -> None:
    checks: list[tuple[bool, str, str, float, float, float, str]] = [
        (new.agent == POLIDOCANOL, "agent_mg_above_session_max", "max_agent_mg",
         before.agent_mg.get(POLIDOCANOL, 0.0), after.agent_mg.get(POLIDOCANOL, 0.0),
         limits.max_agent_mg, "mg"),
        (new.technique == "liquid", "liquid_ml_above_session_max", "max_liquid_ml",
         before.liquid_ml, after.liquid_ml, limits.max_liquid_ml, "mL"),
        (new.technique == "foam", "foam_ml_above_session_max", "max_foam_ml",
         before.foam_ml, after.foam_ml, limits.max_foam_ml, "mL"),
        (new.agent == STS, "sts_ml_above_session_max", "max_sts_ml",
         before.solution_ml.get(STS, 0.0), after.solution_ml.get(STS, 0.0),
         limits.max_sts_ml, "mL"),
    ]  # fmt: skip
    for applies, code, key, total_before, total_after, limit, unit in checks:
        if applies and total_after > limit + _EPSILON:
            remaining = round(max(0.0, limit - total_before), 6)
            sources = limits.source_map.get(key, limits.sources)
            confirmed = limits.confirmed_map.get(key, limits.confirmed)
            text = (
                f"This injection brings the session total to {total_after:g} {unit}, above the "
                f"limit of {limit:g} {unit}; {remaining:g} {unit} remained before it."
            )
            violations.append(
                DoseViolation(code, text, total_after, limit, remaining, unit, sources, confirmed)
            )
    used = after.solution_ml.get(POLIDOCANOL, 0.0)
    if new.agent == POLIDOCANOL and used > limits.anaphylaxis_precaution_ml + _EPSILON:
        key = "anaphylaxis_precaution_ml"
        sources = limits.source_map.get(key, limits.sources)
        confirmed = limits.confirmed_map.get(key, limits.confirmed)
        precautions.append(
            DosePrecaution("polidocanol_anaphylaxis_volume", message, sources, confirmed)
        )
