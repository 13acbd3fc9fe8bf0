"""The outcomes report's aggregates on how the clinic works — use of the session limits,
overrides, sessions and appointments per month, follow-ups on time, patients lost to follow-up,
satisfaction, the protocol's rules fired and overridden — one grouped Core statement each."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, select, true, union_all

from sclero.core.auth import User
from sclero.evaluation.models import Evaluation
from sclero.planning.models import TreatmentPlan
from sclero.reports.scope import (
    FOLLOW_UPS,
    INJECTIONS,
    LIVE,
    SESSIONS,
    Query,
    Scope,
    Source,
    count_where,
    scoped_sessions,
)
from sclero.reports.sql import days_between, json_items, month_start, month_text
from sclero.scheduling.choices import AppointmentStatus
from sclero.scheduling.models import Appointment

APPOINTMENTS = Appointment.__table__
EVALUATIONS = Evaluation.__table__
PLANS = TreatmentPlan.__table__
USERS = User.__table__

LIMIT_BANDS = ((0.5, "under 50 %"), (0.75, "50–74 %"), (0.9, "75–89 %"), (1.0, "90–100 %"))


def limit_use(scope: Scope) -> Query:
    """How close to each session limit the clinic works: sessions per band of the limit used
    (polidocanol/agent mg, foam mL, liquid mL), with the mean and the highest share."""
    sessions = scoped_sessions(scope)
    i = INJECTIONS.c
    foam_ml = func.sum(case((i.technique == "foam", i.volume_ml), else_=0.0))
    liquid_ml = func.sum(case((i.technique == "liquid", i.volume_ml), else_=0.0))
    used = (
        select(
            sessions.c.id,
            (func.sum(i.agent_mg) / func.nullif(func.max(sessions.c.max_agent_mg), 0)).label(
                "agent_mg"
            ),
            (foam_ml / func.nullif(func.max(sessions.c.max_foam_ml), 0)).label("foam_ml"),
            (liquid_ml / func.nullif(func.max(sessions.c.max_liquid_ml), 0)).label("liquid_ml"),
        )
        .join_from(INJECTIONS, sessions, sessions.c.id == i.session_id)
        .group_by(sessions.c.id)
        .cte("limit_used")
    )
    return limit_bands(used)


def limit_bands(used: Any) -> Query:
    """Per limit (columns agent_mg, foam_ml, liquid_ml of `used`: each session's share of its
    limit), the sessions in each band, over the limit, the mean and highest share."""
    parts = []
    for limit in ("agent_mg", "foam_ml", "liquid_ml"):
        share = used.c[limit]
        parts.append(
            select(
                literal(limit).label("limit"),
                func.count(share).label("sessions"),
                *[
                    count_where(and_(share >= low, share < high)).label(f"band_{n}")
                    for n, (low, high) in enumerate(_bands())
                ],
                count_where(share > 1.0).label("over"),
                func.avg(share).label("mean_share"),
                func.max(share).label("max_share"),
            ).where(share > 0)
        )
    return union_all(*parts).subquery("limit_use").select()


def _bands() -> list[tuple[float, float]]:
    lows = [0.0, *[top for top, _ in LIMIT_BANDS[:-1]]]
    highs = [top for top, _ in LIMIT_BANDS]
    highs[-1] = 1.0 + 1e-9  # 100 % exactly is within the limit
    return list(zip(lows, highs, strict=True))


def overrides_by_clinician(scope: Scope) -> Query:
    """Injections given beyond a session limit on a physician's override, per physician."""
    sessions = scoped_sessions(scope)
    i, u = INJECTIONS.c, USERS.c
    return (
        select(
            u.full_name,
            func.count().label("injections"),
            func.count(func.distinct(i.session_id)).label("sessions"),
        )
        .join_from(INJECTIONS, sessions, sessions.c.id == i.session_id)
        .join(USERS, u.id == i.override_by_id, isouter=True)
        .where(i.override_reason.is_not(None))
        .group_by(u.full_name)
        .order_by(func.count().desc(), u.full_name)
    )


def override_reasons(scope: Scope, limit: int = 20) -> Query:
    """The reasons written for limit overrides, most frequent first."""
    sessions = scoped_sessions(scope)
    i = INJECTIONS.c
    return (
        select(i.override_reason.label("reason"), func.count().label("injections"))
        .join_from(INJECTIONS, sessions, sessions.c.id == i.session_id)
        .where(i.override_reason.is_not(None))
        .group_by(i.override_reason)
        .order_by(func.count().desc(), i.override_reason)
        .limit(limit)
    )


def interval_overrides(scope: Scope, limit: int = 20, source: Source = LIVE) -> Query:
    """Sessions started before the protocol's interval on a physician's override, by reason."""
    sessions = source.sessions(scope)
    reason = sessions.c.interval_override_reason
    return (
        select(reason.label("reason"), func.count().label("sessions"))
        .where(reason.is_not(None))
        .group_by(reason)
        .order_by(func.count().desc(), reason)
        .limit(limit)
    )


def sessions_per_month(scope: Scope, source: Source = LIVE) -> Query:
    """Sessions and patients treated per calendar month."""
    sessions = source.sessions(scope)
    start = month_start(sessions.c.started_at)
    month = month_text(start).label("month")
    return (
        select(
            month,
            func.count().label("sessions"),
            func.count(func.distinct(sessions.c.patient_id)).label("patients"),
        )
        .group_by(start)
        .order_by(month)
    )


def appointments_per_month(scope: Scope) -> Query:
    """Appointments per month by status (done, no-show, cancelled …); only the dates filter."""
    a = APPOINTMENTS.c
    start = month_start(a.starts_at)
    month = month_text(start).label("month")
    return (
        select(month, a.status, func.count().label("appointments"))
        .where(a.starts_at >= scope.starts, a.starts_at < scope.ends)
        .group_by(start, a.status)
        .order_by(month, a.status)
    )


def follow_up_timeliness(scope: Scope) -> Query:
    """Scoped sessions by their follow-up: on time, late, missing (overdue), not yet due."""
    sessions = scoped_sessions(scope)
    fu = FOLLOW_UPS.c
    first = (
        select(sessions.c.id, sessions.c.started_at, func.min(fu.performed_on).label("first"))
        .join_from(sessions, FOLLOW_UPS, fu.session_id == sessions.c.id, isouter=True)
        .group_by(sessions.c.id, sessions.c.started_at)
        .subquery("first_follow_up")
    )
    return timeliness(scope, first)


def timeliness(scope: Scope, first: Any) -> Query:
    """Sessions (columns started_at and `first`, the day of their first follow-up) by status."""
    late_after = scope.follow_up_late_after
    waited = days_between(first.c.first, first.c.started_at)
    since = days_between(literal(scope.today), first.c.started_at)
    status = case(
        (and_(first.c.first.is_(None), since <= late_after), "not_yet_due"),
        (first.c.first.is_(None), "missing"),
        (waited <= late_after, "on_time"),
        else_="late",
    ).label("status")
    return select(status, func.count().label("sessions")).group_by(status).order_by(status)


def lost_to_follow_up(scope: Scope) -> Query:
    """Patients whose last scoped session is overdue for a follow-up that never came, with
    nothing booked: lost to follow-up (and the patients treated, for the share)."""
    sessions = scoped_sessions(scope)
    fu, a = FOLLOW_UPS.c, APPOINTMENTS.c
    last = (
        select(sessions.c.patient_id, func.max(sessions.c.started_at).label("last"))
        .group_by(sessions.c.patient_id)
        .subquery("last_session")
    )
    seen_after = exists().where(
        fu.patient_id == last.c.patient_id, days_between(fu.performed_on, last.c.last) >= 0
    )
    booked = exists().where(
        a.patient_id == last.c.patient_id,
        a.status == AppointmentStatus.BOOKED.value,
        a.starts_at >= datetime.combine(scope.today, time()),
    )
    overdue = days_between(literal(scope.today), last.c.last) > scope.follow_up_late_after
    return select(
        func.count().label("patients"),
        count_where(and_(overdue, ~seen_after, ~booked)).label("lost"),
    )


def satisfaction(scope: Scope) -> Query:
    """Follow-ups after the scoped sessions by the patient's satisfaction (1–5)."""
    sessions = scoped_sessions(scope)
    fu = FOLLOW_UPS.c
    return (
        select(fu.satisfaction, func.count().label("follow_ups"))
        .join_from(FOLLOW_UPS, sessions, sessions.c.id == fu.session_id)
        .where(fu.satisfaction.is_not(None))
        .group_by(fu.satisfaction)
        .order_by(fu.satisfaction)
    )


def rules_fired(scope: Scope) -> Query:
    """Screening rules that fired in the evaluations of the range: in how many evaluations."""
    e = EVALUATIONS.c
    items = json_items(scope.dialect, e.result, "screening", "reasons")
    return (
        select(items.c.value.label("rule"), func.count(func.distinct(e.id)).label("evaluations"))
        .select_from(EVALUATIONS.join(items, true()))
        .where(e.performed_at >= scope.starts, e.performed_at < scope.ends)
        .where(items.c.value.is_not(None))
        .group_by(items.c.value)
        .order_by(items.c.value)
    )


def rules_overridden(scope: Scope) -> Query:
    """Rules a physician decided past, with a written reason, when approving a plan whose
    evaluation falls in the range: in how many plans."""
    e, p = EVALUATIONS.c, PLANS.c
    items = json_items(scope.dialect, p.physician_decision_codes)
    return (
        select(items.c.value.label("rule"), func.count(func.distinct(p.id)).label("plans"))
        .select_from(PLANS.join(EVALUATIONS, e.id == p.evaluation_id).join(items, true()))
        .where(e.performed_at >= scope.starts, e.performed_at < scope.ends)
        .where(items.c.value.is_not(None))
        .group_by(items.c.value)
        .order_by(items.c.value)
    )


def clinicians() -> Query:
    """Who performed sessions (the clinician filter's choices)."""
    s, u = SESSIONS.c, USERS.c
    return (
        select(u.id, u.full_name)
        .where(exists().where(s.performed_by_id == u.id))
        .order_by(u.full_name)
    )
