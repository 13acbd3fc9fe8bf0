"""What an injection must match beyond the dose limits — the approved plan at that site, the
screening's foam-only findings, the interval since the last session on that area. A departure can
be owned by a physician with a written reason; an absolute contraindication cannot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sclero.core.errors import ContraindicationError
from sclero.planning.models import PlanItem
from sclero.rules import IntervalCheck
from sclero.rules.vocabulary import Region, Side


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
    highest = max((i.concentration_max or 0.0) for i in matching)
    if highest and concentration > highest:
        return [
            Departure(
                "above_plan_concentration",
                f"{concentration:g} % is above the plan's {highest:g} % at {where}.",
                tuple(matching[0].sources),
            )
        ]
    return []


def foam_departures(technique: str, screening: dict[str, Any]) -> list[Departure]:
    """Foam against the screening: an absolute foam-only finding refuses, a relative one is a
    departure; liquid is never affected by foam-only findings."""
    if technique != "foam":
        return []
    foam_only = [f for f in screening.get("findings", []) if f.get("applies_to") == "foam"]
    absolute = [f for f in foam_only if f.get("kind") == "absolute"]
    if absolute:
        raise ContraindicationError(
            "Foam is contraindicated for this patient: "
            + "; ".join(f["message"] for f in absolute)
            + " Use liquid sclerotherapy.",
            field="technique",
        )
    return [
        Departure(f"foam_{f['code']}", f["message"], tuple(f.get("sources", [])))
        for f in foam_only
        if f.get("kind") == "relative"
    ]


def interval_departures(check: IntervalCheck) -> list[Departure]:
    if check.allowed:
        return []
    return [Departure("interval_too_short", check.message, tuple(check.sources))]
