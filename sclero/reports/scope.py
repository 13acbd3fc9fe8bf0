"""What one outcomes report looks at, as SQL: the sessions and injections the filters select,
the treated regions with their best clearance. Every aggregate in `queries.py` starts here.

The reports are a read model over every step's tables (docs/dev/architecture.md), so they read
the tables directly, with SQLAlchemy Core: one grouped statement per figure, never rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, TypeAlias

from sqlalchemy import (
    CTE,
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    case,
    func,
    select,
)

from sclero.adverse_events.models import AdverseEvent
from sclero.charting.choices import SessionStatus
from sclero.charting.models import Injection, TreatmentSession
from sclero.follow_up.models import FollowUp, RegionClearance
from sclero.reports.filters import ReportFilters
from sclero.reports.sql import days_between

Query: TypeAlias = Select[*tuple[Any, ...]]
"""A report statement: a Select of any columns."""

SESSIONS = TreatmentSession.__table__
# Injections given: a voided charting error counts nowhere (its correction does).
INJECTIONS = (
    select(Injection.__table__).where(Injection.__table__.c.voided_at.is_(None)).subquery("given")
)
FOLLOW_UPS = FollowUp.__table__
CLEARANCES = RegionClearance.__table__
EVENTS = AdverseEvent.__table__


@dataclass(frozen=True)
class Scope:
    """The filters plus what the protocol and the clock add: the success level, the follow-up
    interval, today; `dialect` for the few expressions the databases spell differently."""

    filters: ReportFilters
    dialect: str
    success_level: int
    follow_up_days: int
    follow_up_grace_days: int
    today: date

    @property
    def follow_up_late_after(self) -> int:
        """Days after a session past which its follow-up is late (the protocol's due day plus
        its grace)."""
        return self.follow_up_days + self.follow_up_grace_days

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.filters.date_from, time())

    @property
    def ends(self) -> datetime:
        """The first moment after the range (the end date is included)."""
        return datetime.combine(self.filters.date_to + timedelta(days=1), time())

    def injection_conditions(self) -> list[ColumnElement[bool]]:
        f, i = self.filters, INJECTIONS.c
        conditions: list[ColumnElement[bool]] = []
        for column, value in (
            (i.vein_type, f.vein_type),
            (i.region, f.region),
            (i.technique, f.technique),
            (i.agent, f.agent),
        ):
            if value is not None:
                conditions.append(column == value)
        if f.concentration_min is not None:
            conditions.append(i.concentration_percent >= f.concentration_min)
        if f.concentration_max is not None:
            conditions.append(i.concentration_percent <= f.concentration_max)
        return conditions

    def session_conditions(self) -> list[ColumnElement[bool]]:
        s = SESSIONS.c
        conditions = [
            s.status == SessionStatus.CLOSED.value,
            s.started_at >= self.starts,
            s.started_at < self.ends,
        ]
        if self.filters.clinician_id is not None:
            conditions.append(s.performed_by_id == self.filters.clinician_id)
        return conditions


def scoped_sessions(scope: Scope) -> CTE:
    """Closed sessions in the range, by the clinician, with an injection matching the filters;
    with `sessions` set, only of patients who received exactly that many of them."""
    s = SESSIONS.c
    query = select(
        s.id,
        s.patient_id,
        s.started_at,
        s.performed_by_id,
        s.interval_override_reason,
        s.limits["max_agent_mg"].as_float().label("max_agent_mg"),
        s.limits["max_foam_ml"].as_float().label("max_foam_ml"),
        s.limits["max_liquid_ml"].as_float().label("max_liquid_ml"),
    ).where(*scope.session_conditions())
    injection_conditions = scope.injection_conditions()
    if injection_conditions:
        matching = select(INJECTIONS.c.session_id).where(*injection_conditions)
        query = query.where(s.id.in_(matching))
    if scope.filters.sessions is not None:
        base = query.subquery("base")
        patients = (
            select(base.c.patient_id)
            .group_by(base.c.patient_id)
            .having(func.count() == scope.filters.sessions)
        )
        query = query.where(s.patient_id.in_(patients))
    return query.cte("scoped_sessions")


def scoped_injections(scope: Scope, sessions: CTE) -> Subquery:
    """The injections of the scoped sessions that match the injection filters."""
    i = INJECTIONS.c
    return (
        select(
            i.id,
            i.session_id,
            sessions.c.patient_id,
            sessions.c.started_at,
            i.side,
            i.region,
            i.vein_type,
            i.technique,
            i.agent,
        )
        .join_from(INJECTIONS, sessions, sessions.c.id == i.session_id)
        .where(*scope.injection_conditions())
        .subquery("scoped_injections")
    )


def treated_regions(scope: Scope, dimension: str | None = None) -> Subquery:
    """One row per treated region (patient, side, region): when it was first treated, in how
    many sessions, its best clearance and when it first reached success; with a `dimension`,
    one per region and value of that column, without the first session and the count."""
    injections = scoped_injections(scope, scoped_sessions(scope))
    regions = group_regions(
        injections.c.patient_id,
        injections.c.side,
        injections.c.region,
        None if dimension is None else injections.c[dimension],
        injections.c.started_at,
        func.count(func.distinct(injections.c.session_id)),
    )
    return region_outcomes(scope, regions.subquery("regions"), _clearance_by_region(scope))


def group_regions(
    patient_id: Any, side: Any, region: Any, dimension: Any, started_at: Any, sessions: Any
) -> Select[Any]:
    """Treated regions from rows of given injections: per patient, side and region, when first
    treated and in how many sessions (`sessions`: the aggregate that counts them); with a
    `dimension` column, the distinct regions per value of it instead (a region treated with two
    agents counts once for each)."""
    if dimension is not None:
        return select(patient_id, side, region, dimension.label("dimension")).distinct()
    return select(
        patient_id,
        side,
        region,
        func.min(started_at).label("first_at"),
        sessions.label("sessions"),
    ).group_by(patient_id, side, region)


def _clearance_by_region(scope: Scope) -> Subquery:
    """Per patient and region: the best clearance level, the first follow-up that found it a
    success, the last follow-up that scored it."""
    fu, rc = FOLLOW_UPS.c, CLEARANCES.c
    success_day = case((rc.level >= scope.success_level, fu.performed_on))
    return (
        select(
            fu.patient_id,
            rc.side,
            rc.region,
            func.max(rc.level).label("best"),
            func.min(success_day).label("first_success"),
            func.max(fu.performed_on).label("last_seen"),
        )
        .join_from(CLEARANCES, FOLLOW_UPS, fu.id == rc.follow_up_id)
        .group_by(fu.patient_id, rc.side, rc.region)
        .subquery("clearance")
    )


class Source(Protocol):
    """Where the report's scoped sessions and treated regions come from: the live tables
    (`LIVE`) or the summary tables (`summary_queries.SUMMARY`); both give the same columns."""

    def sessions(self, scope: Scope) -> CTE: ...

    def regions(self, scope: Scope, dimension: str | None = None) -> Subquery:
        """The treated regions (`treated_regions`), from this source."""
        ...

    def events(self, scope: Scope) -> FromClause:
        """The adverse events after the scoped sessions (`events_after`), from this source."""
        ...


def events_after(sessions: CTE) -> Subquery:
    """The adverse events after `sessions`: type, severity, outcome, patient, and the whole
    days from the session to the onset."""
    e = EVENTS.c
    return (
        select(
            e.event_type,
            e.severity,
            e.outcome,
            e.patient_id,
            days_between(e.onset_date, sessions.c.started_at).label("onset_days"),
        )
        .join_from(EVENTS, sessions, sessions.c.id == e.session_id)
        .subquery("scoped_events")
    )


class _Live:
    def sessions(self, scope: Scope) -> CTE:
        return scoped_sessions(scope)

    def regions(self, scope: Scope, dimension: str | None = None) -> Subquery:
        return treated_regions(scope, dimension)

    def events(self, scope: Scope) -> FromClause:
        return events_after(self.sessions(scope))


LIVE: Source = _Live()


def region_outcomes(scope: Scope, regions: Subquery, clearance: FromClause) -> Subquery:
    """Treated regions (patient, side, region, and first_at, sessions or a dimension) joined
    with their clearance (best, first_success, last_seen): the rows every clearance figure
    counts."""
    joined = regions.outerjoin(
        clearance,
        (clearance.c.patient_id == regions.c.patient_id)
        & (clearance.c.side == regions.c.side)
        & (clearance.c.region == regions.c.region),
    )
    columns: list[Any] = [
        *regions.c,
        clearance.c.best,
        clearance.c.first_success,
        clearance.c.last_seen,
    ]
    return select(*columns).select_from(joined).subquery("treated_regions")


def success_flag(scope: Scope, best: ColumnElement[Any]) -> ColumnElement[int]:
    return case((best >= scope.success_level, 1), else_=0)


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of the rows where `condition` holds (portable FILTER)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


__all__ = [
    "EVENTS",
    "LIVE",
    "Query",
    "Scope",
    "Source",
    "count_where",
    "group_regions",
    "region_outcomes",
    "scoped_injections",
    "scoped_sessions",
    "success_flag",
    "treated_regions",
]
