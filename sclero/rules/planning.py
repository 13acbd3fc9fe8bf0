"""Treatment planning: technique, agent and dose range per vein, referrals, compression, order.

Choices depend only on (vein type, agent, blocked techniques), so each is computed once per
protocol and then looked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sclero.rules.case import Case, VeinFinding
from sclero.rules.protocol import Protocol, Referral
from sclero.rules.schema import ConcentrationRow

REFER = "refer"


@dataclass(frozen=True, slots=True)
class PlanChoice:
    """How one vein type is treated for this agent when some techniques are ruled out."""

    technique: str
    agent: str | None
    concentration: ConcentrationRow | None
    max_volume_ml: float | None
    sources: tuple[str, ...]
    confirmed: bool
    switched: bool = False
    unavailable: bool = False


@dataclass(frozen=True, slots=True)
class PlanItem:
    """The plan for one vein finding."""

    finding: VeinFinding
    choice: PlanChoice


@dataclass(frozen=True, slots=True)
class FiredReferral:
    """A referral rule that applies to this case, with the findings that triggered it."""

    referral: Referral
    finding_ids: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class CompressionPlan:
    """The longest compression any planned vein needs (none when nothing is injected)."""

    setting: str
    min_days: int
    max_days: int
    sources: tuple[str, ...]
    confirmed: bool


def choose(p: Protocol, vein_type: str, agent: str, blocked: frozenset[str]) -> PlanChoice:
    """The technique, range and volume for a vein type (cached per protocol)."""
    key = (vein_type, agent, blocked)
    choice: PlanChoice | None = p.plan_cache.get(key)
    if choice is None:
        choice = _choose(p, vein_type, agent, blocked)
        p.plan_cache[key] = choice
    return choice


def _choose(p: Protocol, vein_type: str, agent: str, blocked: frozenset[str]) -> PlanChoice:
    order = p.techniques[vein_type]
    row = next(r for r in p.spec.techniques if r.vein_type == vein_type)
    if order[0] == REFER:
        return PlanChoice(REFER, None, None, None, row.sources, row.confirmed)
    for technique in order:
        if technique == REFER:
            break
        concentration = p.concentrations.get((vein_type, agent, technique))
        if technique in blocked or concentration is None:
            continue
        volume = p.volumes.get((vein_type, technique))
        limit_sources = volume.sources if volume else p.limits.sources
        parts = (row.sources, concentration.sources, limit_sources)
        confirmed = row.confirmed and concentration.confirmed and (volume or p.limits).confirmed
        return PlanChoice(
            technique=technique,
            agent=agent,
            concentration=concentration,
            # foam has no per-point volume in the reference: the session foam limit bounds it
            max_volume_ml=volume.max_ml if volume else p.limits.max_foam_ml,
            sources=tuple(dict.fromkeys(s for part in parts for s in part)),
            confirmed=confirmed,
            switched=technique != order[0],
        )
    return PlanChoice(
        REFER, None, None, None, row.sources, row.confirmed, switched=True, unavailable=True
    )


def plan_items(
    p: Protocol, findings: Sequence[VeinFinding], agent: str, blocked: frozenset[str]
) -> list[PlanItem]:
    """One plan item per finding, in treatment order (referred veins, then largest first)."""
    items = [PlanItem(f, choose(p, f.vein_type, agent, blocked)) for f in findings]
    if len(items) > 1:
        rank = p.order_rank
        last = len(rank)
        items.sort(key=lambda i: (i.choice.technique != REFER, rank.get(i.finding.vein_type, last)))
    return items


def fire_referrals(p: Protocol, case: Case) -> list[FiredReferral]:
    """The referral rules whose every condition holds for this case."""
    fired: list[FiredReferral] = []
    duplex = case.duplex
    performed = duplex is not None and duplex.performed
    minor = case.patient.age_years < p.minor_below_age_years
    for referral in p.referrals:
        if referral.minor and not minor:
            continue
        if referral.duplex_performed is not None and referral.duplex_performed != performed:
            continue
        if referral.duplex is not None and not (duplex and getattr(duplex, referral.duplex)):
            continue
        ids: tuple[str | int, ...] = ()
        if referral.vein_types is not None or referral.regions is not None:
            ids = tuple(f.id for f in case.findings if _matches(referral, f))
            if not ids:
                continue
        fired.append(FiredReferral(referral, ids))
    return fired


def _matches(referral: Referral, finding: VeinFinding) -> bool:
    if referral.vein_types is not None and finding.vein_type not in referral.vein_types:
        return False
    return referral.regions is None or finding.region in referral.regions


def compression(p: Protocol, items: Sequence[PlanItem]) -> CompressionPlan:
    """The compression the planned injections need: the longest of them."""
    spec = p.spec.compression
    setting = p.spec.settings.microsclerotherapy_compression
    best = None
    for item in items:
        days = p.compression.get((item.finding.vein_type, item.choice.technique))
        if days is not None and (best is None or days.max_days > best.max_days):
            best = days
    if best is None:
        return CompressionPlan(setting, 0, 0, spec.sources, True)
    sources = tuple(dict.fromkeys((*best.sources, *spec.sources)))
    return CompressionPlan(setting, best.min_days, best.max_days, sources, best.confirmed)
