"""The outcomes report's aggregates read from the summary tables (`summary.py`): the same rows,
column for column, as the live statements of `queries.py` — the tests compare the two on known
clinics and after random edits. Figures that share their shape with the live ones reuse them
with the summary as their `Source`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    and_,
    func,
    literal,
    or_,
    select,
)

from sclero.reports import queries, work_queries
from sclero.reports.scope import (
    Query,
    Scope,
    Source,
    count_where,
    events_after,
    group_regions,
    region_outcomes,
)
from sclero.reports.sql import days_between, rows_of
from sclero.reports.summary_tables import (
    CLEARANCE_FACTS,
    OVERRIDE_FACTS,
    PATIENT_FACTS,
    REGION_FACTS,
    RULE_FACTS,
    SATISFACTION_SCORES,
    SESSION_FACTS,
)
from sclero.reports.work_queries import USERS

S, R = SESSION_FACTS.c, REGION_FACTS.c


def _region_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    f = scope.filters
    conditions: list[ColumnElement[bool]] = [
        R.started_at >= scope.starts,
        R.started_at < scope.ends,
    ]
    if f.clinician_id is not None:
        conditions.append(R.performed_by_id == f.clinician_id)
    for column, value in (
        (R.vein_type, f.vein_type),
        (R.region, f.region),
        (R.technique, f.technique),
        (R.agent, f.agent),
    ):
        if value is not None:
            conditions.append(column == value)
    if f.concentration_min is not None:
        conditions.append(R.concentration_percent >= f.concentration_min)
    if f.concentration_max is not None:
        conditions.append(R.concentration_percent <= f.concentration_max)
    return conditions


def treated_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """The region facts the report's treated regions are grouped from: those the filters
    select, of the patients with exactly `filters.sessions` scoped sessions when it is set."""
    conditions = _region_conditions(scope)
    if scope.filters.sessions is not None:
        conditions.append(R.patient_id.in_(_patients_with_sessions(scope)))
    return conditions


def region_sessions(scope: Scope) -> ColumnElement[int]:
    """The aggregate counting a treated region's sessions over its facts: the sum of their
    `opens_region` marks (one fact of each session, side and region carries it), unless the
    filters select injections and may leave out the marked fact (then the distinct sessions)."""
    if filters_injections(scope):
        return func.count(func.distinct(R.session_id))
    return func.sum(R.opens_region)


def filters_injections(scope: Scope) -> bool:
    f = scope.filters
    values = (f.vein_type, f.region, f.technique, f.agent, f.concentration_min)
    return any(v is not None for v in (*values, f.concentration_max))


def _patients_with_sessions(scope: Scope) -> Any:
    """The patients who received exactly `filters.sessions` scoped sessions."""
    base = _sessions_query(scope, with_count=False).subquery("base")
    return (
        select(base.c.patient_id)
        .group_by(base.c.patient_id)
        .having(func.count() == scope.filters.sessions)
    )


def _sessions_query(scope: Scope, *, with_count: bool = True) -> Select[Any]:
    query = select(
        S.session_id.label("id"),
        S.patient_id,
        S.started_at,
        S.performed_by_id,
        S.interval_override_reason,
        S.foam,
        S.limit_overrides,
        S.agent_share,
        S.foam_share,
        S.liquid_share,
        S.first_follow_up,
        *[S[f"satisfaction_{n}"] for n in SATISFACTION_SCORES],
    ).where(S.started_at >= scope.starts, S.started_at < scope.ends)
    if scope.filters.clinician_id is not None:
        query = query.where(S.performed_by_id == scope.filters.clinician_id)
    if filters_injections(scope):
        matching = select(R.session_id).where(*_region_conditions(scope))
        query = query.where(S.session_id.in_(matching))
    if with_count and scope.filters.sessions is not None:
        query = query.where(S.patient_id.in_(_patients_with_sessions(scope)))
    return query


class _Summary:
    def sessions(self, scope: Scope) -> CTE:
        return _sessions_query(scope).cte("scoped_sessions")

    def regions(self, scope: Scope, dimension: str | None = None) -> Subquery:
        dimension_column = None if dimension is None else R[dimension]
        query = group_regions(
            R.patient_id, R.side, R.region, dimension_column, R.started_at, region_sessions(scope)
        ).where(*treated_conditions(scope))
        clearance = CLEARANCE_FACTS.alias("clearance")
        return region_outcomes(scope, query.subquery("regions"), clearance)

    def events(self, scope: Scope) -> FromClause:
        return events_after(self.sessions(scope))


SUMMARY: Source = _Summary()


def totals(scope: Scope, source: Source = SUMMARY) -> Query:
    sessions = source.sessions(scope)
    return select(
        func.count().label("sessions"),
        func.count(func.distinct(sessions.c.patient_id)).label("patients"),
        func.coalesce(func.sum(sessions.c.foam), 0).label("foam_sessions"),
        count_where(sessions.c.interval_override_reason.is_not(None)).label("interval_overrides"),
        func.coalesce(func.sum(sessions.c.limit_overrides), 0).label("limit_overrides"),
    )


def limit_use(scope: Scope, source: Source = SUMMARY) -> Query:
    sessions = source.sessions(scope)
    used = select(
        sessions.c.agent_share.label("agent_mg"),
        sessions.c.foam_share.label("foam_ml"),
        sessions.c.liquid_share.label("liquid_ml"),
    ).cte("limit_used")
    return work_queries.limit_bands(used)


def _overrides(scope: Scope, source: Source) -> Any:
    sessions = source.sessions(scope)
    o = OVERRIDE_FACTS.c
    return OVERRIDE_FACTS.join(sessions, sessions.c.id == o.session_id)


def overrides_by_clinician(scope: Scope, source: Source = SUMMARY) -> Query:
    joined = _overrides(scope, source)
    o, u = OVERRIDE_FACTS.c, USERS.c
    injections = func.sum(o.injections)
    return (
        select(
            u.full_name,
            injections.label("injections"),
            func.count(func.distinct(o.session_id)).label("sessions"),
        )
        .select_from(joined.join(USERS, u.id == o.override_by_id, isouter=True))
        .group_by(u.full_name)
        .order_by(injections.desc(), u.full_name)
    )


def override_reasons(scope: Scope, source: Source = SUMMARY, limit: int = 20) -> Query:
    joined = _overrides(scope, source)
    o = OVERRIDE_FACTS.c
    injections = func.sum(o.injections)
    return (
        select(o.reason.label("reason"), injections.label("injections"))
        .select_from(joined)
        .group_by(o.reason)
        .order_by(injections.desc(), o.reason)
        .limit(limit)
    )


def follow_up_timeliness(scope: Scope, source: Source = SUMMARY) -> Query:
    sessions = source.sessions(scope)
    first = select(sessions.c.started_at, sessions.c.first_follow_up.label("first")).subquery(
        "first_follow_up"
    )
    return work_queries.timeliness(scope, first)


def lost_to_follow_up(scope: Scope, source: Source = SUMMARY) -> Query:
    sessions = source.sessions(scope)
    p = PATIENT_FACTS.c
    last = (
        select(sessions.c.patient_id, func.max(sessions.c.started_at).label("last"))
        .group_by(sessions.c.patient_id)
        .subquery("last_session")
    )
    not_seen_after = or_(
        p.last_follow_up.is_(None), days_between(p.last_follow_up, last.c.last) < 0
    )
    not_booked = or_(p.last_booked.is_(None), p.last_booked < datetime.combine(scope.today, time()))
    overdue = days_between(literal(scope.today), last.c.last) > scope.follow_up_late_after
    return select(
        func.count().label("patients"),
        count_where(and_(overdue, not_seen_after, not_booked)).label("lost"),
    ).select_from(last.outerjoin(PATIENT_FACTS, p.patient_id == last.c.patient_id))


def satisfaction(scope: Scope, source: Source = SUMMARY) -> Query:
    sessions = source.sessions(scope)
    counts = select(
        *[func.sum(sessions.c[f"satisfaction_{n}"]).label(f"s{n}") for n in SATISFACTION_SCORES]
    ).subquery("satisfaction_counts")
    arms = [(n, {"follow_ups": counts.c[f"s{n}"]}) for n in SATISFACTION_SCORES]
    scores = rows_of(counts, "satisfaction", arms).subquery("scores")
    return (
        select(scores.c.satisfaction, scores.c.follow_ups)
        .where(scores.c.follow_ups > 0)
        .order_by(scores.c.satisfaction)
    )


def _rules(scope: Scope, kind: str, counted: Any, label: str) -> Query:
    r = RULE_FACTS.c
    return (
        select(r.rule, func.count(func.distinct(counted)).label(label))
        .where(r.kind == kind, r.performed_at >= scope.starts, r.performed_at < scope.ends)
        .group_by(r.rule)
        .order_by(r.rule)
    )


def rules_fired(scope: Scope) -> Query:
    return _rules(scope, "fired", RULE_FACTS.c.evaluation_id, "evaluations")


def rules_overridden(scope: Scope) -> Query:
    return _rules(scope, "overridden", RULE_FACTS.c.plan_id, "plans")


def aggregates(source: Source) -> dict[str, Callable[[Scope], Query]]:
    """Every aggregate of `queries.AGGREGATES`, reading the scope from `source` (the summary
    tables, or the scope they gave materialised once: `scope_tables.materialised`)."""

    def on(build: Callable[..., Query], **kw: Any) -> Callable[[Scope], Query]:
        return lambda scope: build(scope, source=source, **kw)

    return {
        "totals": on(totals),
        "success": on(queries.success),
        "success_by_vein_type": on(queries.success, dimension="vein_type"),
        "success_by_technique": on(queries.success, dimension="technique"),
        "success_by_agent": on(queries.success, dimension="agent"),
        "clearance_by_sessions": on(queries.clearance_by_sessions),
        "time_to_success": on(queries.time_to_success),
        "sessions_per_patient": on(queries.sessions_per_patient),
        "adverse_events": on(queries.adverse_events),
        "adverse_event_outcomes": on(queries.adverse_event_outcomes),
        "limit_use": on(limit_use),
        "overrides_by_clinician": on(overrides_by_clinician),
        "override_reasons": on(override_reasons),
        "interval_overrides": on(work_queries.interval_overrides),
        "sessions_per_month": on(work_queries.sessions_per_month),
        "appointments_per_month": work_queries.appointments_per_month,  # one table: read live
        "follow_up_timeliness": on(follow_up_timeliness),
        "lost_to_follow_up": on(lost_to_follow_up),
        "satisfaction": on(satisfaction),
        "rules_fired": rules_fired,
        "rules_overridden": rules_overridden,
    }


AGGREGATES = aggregates(SUMMARY)
"""Every aggregate of `queries.AGGREGATES`, from the summary tables."""
