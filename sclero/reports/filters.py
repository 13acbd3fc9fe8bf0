"""The filters of the outcomes report: a date range and what was injected, by whom, how often."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from sclero.core.errors import InvalidInput
from sclero.rules.vocabulary import Agent, Region, Technique, VeinType

MAX_SESSIONS = 20  # "sessions received" filter: a typing slip above this


@dataclass(frozen=True)
class ReportFilters:
    """Which treatment the report looks at. Sessions count when they started within the dates
    and have at least one injection matching the injection filters."""

    date_from: date
    date_to: date
    vein_type: str | None = None
    region: str | None = None
    technique: str | None = None
    agent: str | None = None
    concentration_min: float | None = None  # % w/v, inclusive
    concentration_max: float | None = None
    clinician_id: int | None = None  # who performed the session
    sessions: int | None = None  # treated regions that received exactly this many sessions

    @classmethod
    def last_year(cls, today: date) -> ReportFilters:
        """The default range: the twelve months up to today."""
        return cls(date_from=today - timedelta(days=365), date_to=today)

    def as_dict(self) -> dict[str, Any]:
        """The filters as plain values (the audit entry, the JSON report, the page's links)."""
        values = asdict(self)
        values["date_from"] = self.date_from.isoformat()
        values["date_to"] = self.date_to.isoformat()
        return values

    def query_string(self) -> str:
        """The filters as a URL query string (figure and download links keep them)."""
        return urlencode({k: v for k, v in self.as_dict().items() if v is not None})


CHOICES: dict[str, frozenset[str]] = {
    "vein_type": VeinType.codes(),
    "region": Region.codes(),
    "technique": Technique.codes() & {"liquid", "foam"},
    "agent": Agent.codes(),
}


def parse_filters(values: Mapping[str, str | None], today: date) -> ReportFilters:
    """Filters from form or command-line values; a bad value is refused naming its field."""
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    default = ReportFilters.last_year(today)
    filters = replace(
        default,
        date_from=_date(given, "date_from", default.date_from),
        date_to=_date(given, "date_to", default.date_to),
        concentration_min=_number(given, "concentration_min"),
        concentration_max=_number(given, "concentration_max"),
        clinician_id=_integer(given, "clinician_id", 1, 2**31 - 1),
        sessions=_integer(given, "sessions", 1, MAX_SESSIONS),
        **{name: _choice(given, name, codes) for name, codes in CHOICES.items()},
    )
    if filters.date_to < filters.date_from:
        raise InvalidInput("The end date is before the start date.", "date_to")
    low, high = filters.concentration_min, filters.concentration_max
    if low is not None and high is not None and high < low:
        raise InvalidInput("The highest concentration is below the lowest.", "concentration_max")
    return filters


def _date(given: Mapping[str, str], name: str, default: date) -> date:
    if name not in given:
        return default
    try:
        return date.fromisoformat(given[name])
    except ValueError:
        raise InvalidInput(f"{given[name]!r} is not a date (use YYYY-MM-DD).", name) from None


def _number(given: Mapping[str, str], name: str) -> float | None:
    if name not in given:
        return None
    try:
        value = float(given[name].replace(",", "."))
    except ValueError:
        raise InvalidInput(f"{given[name]!r} is not a number.", name) from None
    if not 0 <= value <= 100:
        raise InvalidInput("A concentration is a percentage between 0 and 100.", name)
    return value


def _integer(given: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    if name not in given:
        return None
    try:
        value = int(given[name])
    except ValueError:
        raise InvalidInput(f"{given[name]!r} is not a whole number.", name) from None
    if not low <= value <= high:
        raise InvalidInput(f"Choose a number from {low} to {high}.", name)
    return value


def _choice(given: Mapping[str, str], name: str, codes: frozenset[str]) -> str | None:
    if name not in given:
        return None
    if given[name] not in codes:
        allowed = ", ".join(sorted(codes))
        raise InvalidInput(
            f"Unknown {name.replace('_', ' ')} {given[name]!r}; one of {allowed}.", name
        )
    return given[name]
