"""The outcomes report's headline figures, and the shape every table of the report is built
from: an aggregate runner (name → rows) and the headline."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sclero.reports.stats import share
from sclero.reports.tables import ReportTable
from sclero.rules import Protocol

Runner = Callable[[str], list[Mapping[str, Any]]]
"""Runs one named aggregate once per report and returns its rows (plain numbers)."""


@dataclass(frozen=True)
class Headline:
    """The report's first figures: how many treated, and the success share against the band."""

    sessions: int
    patients: int
    foam_sessions: int
    treated_regions: int
    assessed_regions: int
    successes: int
    success_share: float | None
    success_ci: tuple[float, float] | None
    benchmark: tuple[float, float]
    success_level: int
    success_label: str
    lost_to_follow_up: int
    interval_overrides: int
    limit_overrides: int

    def to_document(self) -> dict[str, Any]:
        low, high = self.success_ci or (None, None)
        return {
            "sessions": self.sessions,
            "patients": self.patients,
            "foam_sessions": self.foam_sessions,
            "treated_regions": self.treated_regions,
            "assessed_regions": self.assessed_regions,
            "successes": self.successes,
            "success_share": self.success_share,
            "success_ci_low_share": low,
            "success_ci_high_share": high,
            "benchmark_low_share": self.benchmark[0],
            "benchmark_high_share": self.benchmark[1],
            "success_level": self.success_level,
            "success_definition": self.success_label,
            "lost_to_follow_up": self.lost_to_follow_up,
            "lost_to_follow_up_share": share(self.lost_to_follow_up, self.patients),
            "interval_overrides": self.interval_overrides,
            "limit_override_injections": self.limit_overrides,
        }


TableBuilder = Callable[[Runner, Headline, Protocol], ReportTable]
"""Builds one table of the report from the aggregates and the headline."""
