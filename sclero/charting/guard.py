"""What an injection must match: the engine's dose limits, and beyond them the approved plan at
that site, the screening's foam-only findings and the interval since the last session on that
area. A physician may own a departure or a limit with a written reason; an absolute
contraindication is never overridden."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sclero.charting.models import Injection
from sclero.core.auth import may_override
from sclero.core.convert import to_jsonable
from sclero.core.db import UnitOfWork
from sclero.core.errors import (
    ContraindicationError,
    DepartsFromPlan,
    DoseLimitExceeded,
    Forbidden,
)
from sclero.rules import EvaluationResult, InjectionFacts, IntervalCheck, ScreeningFinding
from sclero.rules.vocabulary import Region, Side

if TYPE_CHECKING:
    from sclero.planning.models import PlanItem


@dataclass(frozen=True)
class Departure:
    """A reason the injection is not what the plan and the screening allow."""

    code: str
    message: str
    sources: tuple[str, ...] = ()


def site_name(side: str, region: str) -> str:
    return f"{Side(side).label} {Region(region).label.lower()}"


def plan_departures(
    items_at_site: Sequence[PlanItem],
    side: str,
    region: str,
    agent: str,
    technique: str,
    concentration: float,
    volume: float,
) -> list[Departure]:
    """The injection against the approved plan's items for that site."""
    treated = [i for i in items_at_site if i.technique != "refer"]
    where = site_name(side, region)
    if not treated:
        return [Departure("not_in_plan", f"The approved plan has no treatment at {where}.")]
    matching = [i for i in treated if i.agent == agent and i.technique == technique]
    if not matching:
        planned = "; ".join(f"{i.technique} {i.agent}" for i in treated)
        return [
            Departure(
                "departs_from_plan", f"The plan has {planned} at {where}, not {technique} {agent}."
            )
        ]
    departures = []
    highest = max((i.concentration_max or 0.0) for i in matching)
    if highest and concentration > highest:
        message = f"{concentration:g} % is above the plan's {highest:g} % at {where}."
        departures.append(
            Departure("above_plan_concentration", message, tuple(matching[0].sources))
        )
    most = max((i.max_volume_per_injection_ml or 0.0) for i in matching)
    if most and volume > most:
        message = f"{volume:g} mL in one injection is above the plan's {most:g} mL at {where}."
        departures.append(Departure("above_plan_volume", message, tuple(matching[0].sources)))
    return departures


def foam_departures(
    technique: str, screening: EvaluationResult, pending: Sequence[ScreeningFinding] = ()
) -> list[Departure]:
    """Foam against the screening: an absolute foam-only finding refuses; a relative one, and a
    referral no physician has decided on, are departures a physician may own with a reason;
    liquid is never affected by foam-only findings."""
    if technique != "foam":
        return []
    foam_only = [f for f in screening.findings if f.rule.applies_to == "foam"]
    absolute = [f for f in foam_only if f.rule.kind == "absolute"]
    if absolute:
        raise ContraindicationError(
            "Foam is contraindicated for this patient: "
            + "; ".join(f.explained() for f in absolute)
            + " Use liquid sclerotherapy.",
            field="technique",
        )
    departures = [
        Departure(f"foam_{f.rule.code}", f.message, f.rule.sources)
        for f in foam_only
        if f.rule.kind == "relative"
    ]
    departures += [
        Departure(f"undecided_{f.rule.code}", f"No foam until a physician decides: {f.message}",
                  f.rule.sources)
        for f in pending
    ]  # fmt: skip
    return departures


def interval_departures(check: IntervalCheck) -> list[Departure]:
    if check.allowed:
        return []
    return [Departure("interval_too_short", check.message, tuple(check.sources))]


def injection_facts(
    agent: str,
    technique: str,
    concentration: float,
    volume: float,
    vein_type: str | None,
    ratio: str | None,
) -> InjectionFacts:
    parsed = tuple(int(part) for part in ratio.split(":")) if ratio else None
    return InjectionFacts(
        agent=agent,
        technique=technique,
        concentration_percent=concentration,
        volume_ml=volume,
        vein_type=vein_type,
        liquid_gas_ratio=parsed,  # type: ignore[arg-type]
    )


def charted_facts(injection: Injection) -> InjectionFacts:
    return injection_facts(
        injection.agent,
        injection.technique,
        injection.concentration_percent,
        injection.volume_ml,
        injection.vein_type,
        injection.liquid_gas_ratio,
    )


def agent_mg_of(check: Any, agent: str, before: list[Injection]) -> float:
    """This injection's agent mass: the engine's tally after it, minus what was charted before."""
    total_after = float(check.tally.agent_mg.get(agent, 0.0))
    total_before = sum(i.agent_mg for i in before if i.agent == agent)
    return round(total_after - total_before, 4)


def require_allowed_or_override(
    uow: UnitOfWork, check: Any, departures: list[Departure], reason: str | None
) -> bool:
    """True when a physician overrides; raises when the injection may not be charted."""
    if check.allowed and not departures:
        return False
    if reason and may_override(uow.actor):
        return True
    if reason:
        raise Forbidden("Only a physician may override a limit or the plan.", "override_reason")
    departed = [{"code": d.code, "message": d.message, "sources": list(d.sources)}
                for d in departures]  # fmt: skip
    if check.allowed:
        raise DepartsFromPlan(" ".join(d.message for d in departures), field="region",
                              violations=departed)  # fmt: skip
    first = check.violations[0]
    raise DoseLimitExceeded(
        " ".join([*(v.message for v in check.violations), *(d.message for d in departures)]),
        field="volume_ml",
        violations=[*to_jsonable(check.violations), *departed],
        given=first.given,
        limit=first.limit,
        remaining=first.remaining,
    )
