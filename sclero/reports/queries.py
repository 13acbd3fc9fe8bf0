"""The outcomes report's aggregates: one grouped SQLAlchemy Core statement per figure, the same
on SQLite and PostgreSQL. Each takes the report's `Scope` and returns a `Select` of few rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import case, exists, func, select

from sclero.reports import work_queries
from sclero.reports.scope import (
    INJECTIONS,
    LIVE,
    Query,
    Scope,
    Source,
    count_where,
    scoped_sessions,
    success_flag,
)
from sclero.reports.sql import days_between

SESSION_GROUPS = 4  # clearance by sessions received: 1, 2, 3 and "4 or more"


def success(scope: Scope, dimension: str | None = None, source: Source = LIVE) -> Query:
    """Treated regions, those scored at a follow-up, and those that reached success."""
    regions = source.regions(scope, dimension)
    columns: list[Any] = [
        func.count().label("regions"),
        func.count(regions.c.best).label("assessed"),
        func.coalesce(func.sum(success_flag(scope, regions.c.best)), 0).label("successes"),
    ]
    if dimension is None:
        return select(*columns)
    return (
        select(regions.c.dimension, *columns)
        .group_by(regions.c.dimension)
        .order_by(regions.c.dimension)
    )


def clearance_by_sessions(scope: Scope, source: Source = LIVE) -> Query:
    """Per number of sessions a region received (4 = four or more): regions, scored, successes
    and how many reached each clearance level at best."""
    regions = source.regions(scope)
    group = case(
        (regions.c.sessions >= SESSION_GROUPS, SESSION_GROUPS), else_=regions.c.sessions
    ).label("sessions")
    levels = [count_where(regions.c.best == level).label(f"level_{level}") for level in range(4)]
    return (
        select(
            group,
            func.count().label("regions"),
            func.count(regions.c.best).label("assessed"),
            func.coalesce(func.sum(success_flag(scope, regions.c.best)), 0).label("successes"),
            *levels,
        )
        .group_by(group)
        .order_by(group)
    )


def time_to_success(scope: Scope, source: Source = LIVE) -> Query:
    """Kaplan–Meier input per week since a region's first session: regions that reached success
    that week (events), were last seen uncleared that week (censored), and were still at risk."""
    regions = source.regions(scope)
    reached = regions.c.first_success.is_not(None)
    end = func.coalesce(regions.c.first_success, regions.c.last_seen)
    days = days_between(end, regions.c.first_at)
    week = (case((days < 0, 0), else_=days) // 7).label("week")
    grouped = (
        select(
            week,
            count_where(reached).label("events"),
            func.count().label("leaving"),
        )
        .where(regions.c.best.is_not(None))
        .group_by(week)
        .subquery("weeks")
    )
    at_risk = func.sum(grouped.c.leaving).over(order_by=grouped.c.week.desc(), rows=(None, 0))
    return select(
        grouped.c.week,
        grouped.c.events,
        (grouped.c.leaving - grouped.c.events).label("censored"),
        at_risk.label("at_risk"),
    ).order_by(grouped.c.week)


def sessions_per_patient(scope: Scope, source: Source = LIVE) -> Query:
    """How many patients received 1, 2, 3 … sessions."""
    sessions = source.sessions(scope)
    per_patient = (
        select(sessions.c.patient_id, func.count().label("sessions"))
        .group_by(sessions.c.patient_id)
        .subquery("per_patient")
    )
    return (
        select(per_patient.c.sessions, func.count().label("patients"))
        .group_by(per_patient.c.sessions)
        .order_by(per_patient.c.sessions)
    )


def totals(scope: Scope) -> Query:
    """Sessions and patients in the report (the denominators of every rate), foam sessions,
    interval overrides and injections given on a limit override."""
    sessions = scoped_sessions(scope)
    foam = exists().where(
        INJECTIONS.c.session_id == sessions.c.id, INJECTIONS.c.technique == "foam"
    )
    overridden = (
        select(func.count())
        .select_from(INJECTIONS.join(sessions, sessions.c.id == INJECTIONS.c.session_id))
        .where(INJECTIONS.c.override_reason.is_not(None))
        .scalar_subquery()
    )
    return select(
        func.count().label("sessions"),
        func.count(func.distinct(sessions.c.patient_id)).label("patients"),
        count_where(foam).label("foam_sessions"),
        count_where(sessions.c.interval_override_reason.is_not(None)).label("interval_overrides"),
        overridden.label("limit_overrides"),
    )


def adverse_events(scope: Scope, source: Source = LIVE) -> Query:
    """Adverse events after the scoped sessions, by type and severity: how many, in how many
    patients, and the mean days from the session to the onset."""
    events = source.events(scope).c
    return (
        select(
            events.event_type,
            events.severity,
            func.count().label("events"),
            func.count(func.distinct(events.patient_id)).label("patients"),
            func.avg(events.onset_days).label("mean_onset_days"),
        )
        .group_by(events.event_type, events.severity)
        .order_by(events.event_type, events.severity)
    )


def adverse_event_outcomes(scope: Scope, source: Source = LIVE) -> Query:
    """Adverse events after the scoped sessions, by type and outcome."""
    events = source.events(scope).c
    outcome = func.coalesce(events.outcome, "not_recorded").label("outcome")
    return (
        select(events.event_type, outcome, func.count().label("events"))
        .group_by(events.event_type, outcome)
        .order_by(events.event_type, outcome)
    )


AGGREGATES: dict[str, Callable[[Scope], Query]] = {
    "totals": totals,
    "success": success,
    "success_by_vein_type": lambda scope: success(scope, "vein_type"),
    "success_by_technique": lambda scope: success(scope, "technique"),
    "success_by_agent": lambda scope: success(scope, "agent"),
    "clearance_by_sessions": clearance_by_sessions,
    "time_to_success": time_to_success,
    "sessions_per_patient": sessions_per_patient,
    "adverse_events": adverse_events,
    "adverse_event_outcomes": adverse_event_outcomes,
    "limit_use": work_queries.limit_use,
    "overrides_by_clinician": work_queries.overrides_by_clinician,
    "override_reasons": work_queries.override_reasons,
    "interval_overrides": work_queries.interval_overrides,
    "sessions_per_month": work_queries.sessions_per_month,
    "appointments_per_month": work_queries.appointments_per_month,
    "follow_up_timeliness": work_queries.follow_up_timeliness,
    "lost_to_follow_up": work_queries.lost_to_follow_up,
    "satisfaction": work_queries.satisfaction,
    "rules_fired": work_queries.rules_fired,
    "rules_overridden": work_queries.rules_overridden,
}
"""Every aggregate by name (the report runs them all; the benchmark times each)."""
