"""The interval rule: how soon a region may be treated again after a session on it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sclero.rules import vocabulary as v
from sclero.rules.case import PreviousSession
from sclero.rules.errors import CaseError
from sclero.rules.loading import default_protocol
from sclero.rules.protocol import Protocol

_REGIONS = v.Region.codes()
INTERVAL_SOURCES: tuple[str, ...] = ("SEED-000", "SEED-002")


@dataclass(frozen=True, slots=True)
class IntervalCheck:
    """Whether a session may take place on `proposed_date` on these regions.

    `earliest_date` is the first date allowed for these regions (None: no earlier session on
    them); `conflicting_regions` are the regions treated too recently.
    """

    allowed: bool
    earliest_date: date | None
    conflicting_regions: tuple[str, ...]
    message: str
    sources: tuple[str, ...]
    interval_days: int

    def to_document(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "earliest_date": self.earliest_date.isoformat() if self.earliest_date else None,
            "conflicting_regions": list(self.conflicting_regions),
            "message": self.message,
            "sources": list(self.sources),
            "interval_days": self.interval_days,
        }


def earliest_for(
    previous_sessions: Sequence[PreviousSession], regions: frozenset[str], interval_days: int
) -> tuple[date | None, dict[str, date]]:
    """The earliest allowed date for these regions and, per region, the last session on it."""
    last: dict[str, date] = {}
    for session in previous_sessions:
        for region in session.regions & regions:
            if region not in last or session.date > last[region]:
                last[region] = session.date
    if not last:
        return None, last
    return max(last.values()) + timedelta(days=interval_days), last


def check_interval(
    previous_sessions: Sequence[PreviousSession],
    proposed_date: date,
    regions: Iterable[str],
    protocol: Protocol | None = None,
) -> IntervalCheck:
    """Check the interval since the last session on each of these regions."""
    p = protocol or default_protocol()
    wanted = frozenset(regions)
    unknown = sorted(wanted - _REGIONS)
    if unknown:
        raise CaseError("regions", f"unknown region {unknown[0]!r}")
    days = p.interval_days
    earliest, last = earliest_for(previous_sessions, wanted, days)
    gap = timedelta(days=days)
    conflicts = tuple(sorted(r for r, when in last.items() if when + gap > proposed_date))
    sources = _sources(p)
    if not conflicts:
        message = f"At least {days} days since the last session on these regions."
        return IntervalCheck(True, earliest, (), message, sources, days)
    assert earliest is not None  # conflicts come from earlier sessions
    sites = ", ".join(v.label_of(region).lower() for region in conflicts)
    message = (
        f"Too soon: {sites} treated less than {days} days before; "
        f"earliest date {earliest.strftime(v.DATE_FORMAT)}."
    )
    return IntervalCheck(False, earliest, conflicts, message, sources, days)


def _sources(p: Protocol) -> tuple[str, ...]:
    rule = p.case_rules.get("interval_too_short")
    return rule.sources if rule is not None else INTERVAL_SOURCES
