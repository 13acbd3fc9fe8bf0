"""The outcomes report's summary tables: the live tables' facts the report aggregates, one narrow
row per closed session, per treated region of a session, per scored region and level, per
override, per patient and per screening rule, so the dashboard reads no JSON and joins little.

They are kept exact, not approximately fresh: every ORM write to a table the report reads marks
its patient, and before the transaction commits that patient's facts are deleted and derived
again from the live tables (`refresh`), in the same transaction. Bulk loads that write with Core
(the demo generator, a migration) call `rebuild` afterwards; until the first rebuild
(`report_summary_state` empty) the report reads the live tables and says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from sclero.adverse_events.models import AdverseEvent
from sclero.charting.choices import SessionStatus
from sclero.charting.models import Injection, TreatmentSession
from sclero.core.time import utcnow
from sclero.evaluation.models import Evaluation
from sclero.follow_up.models import FollowUp, RegionClearance
from sclero.patients.models import Patient
from sclero.planning.models import TreatmentPlan
from sclero.reports.sql import json_items
from sclero.reports.summary_tables import (
    CLEARANCE_FACTS,
    FACT_TABLES,
    OVERRIDE_FACTS,
    PATIENT_FACTS,
    REGION_FACTS,
    RULE_FACTS,
    SATISFACTION_SCORES,
    SESSION_FACTS,
    STATE,
)
from sclero.scheduling.choices import AppointmentStatus
from sclero.scheduling.models import Appointment

SESSIONS = TreatmentSession.__table__
INJECTIONS = Injection.__table__
FOLLOW_UPS = FollowUp.__table__
CLEARANCES = RegionClearance.__table__
APPOINTMENTS = Appointment.__table__
EVALUATIONS = Evaluation.__table__
PLANS = TreatmentPlan.__table__
PATIENTS = Patient.__table__

Patients = Collection[int] | None
"""Whose facts to derive: these patients, or None for everyone."""


def _of(column: Any, patients: Patients) -> Any:
    return true() if patients is None else column.in_(list(patients))


def _session_facts(patients: Patients) -> Any:
    s = SESSIONS.c
    closed = select(
        s.id, s.patient_id, s.started_at, s.performed_by_id, s.interval_override_reason, s.limits
    ).where(s.status == SessionStatus.CLOSED.value, _of(s.patient_id, patients))
    closed_sessions = closed.subquery("closed")
    given = _given_per_session(closed_sessions)
    followed = _followed_per_session(patients)
    c = closed_sessions.c

    def share(used: Any, key: str) -> Any:
        return used / func.nullif(c.limits[key].as_float(), 0)

    return select(
        c.id,
        c.patient_id,
        c.started_at,
        c.performed_by_id,
        c.interval_override_reason,
        func.coalesce(given.c.foam, 0),
        func.coalesce(given.c.overrides, 0),
        share(given.c.agent_mg, "max_agent_mg"),
        share(given.c.foam_ml, "max_foam_ml"),
        share(given.c.liquid_ml, "max_liquid_ml"),
        followed.c.first,
        *[func.coalesce(followed.c[f"satisfaction_{n}"], 0) for n in SATISFACTION_SCORES],
    ).select_from(
        closed_sessions.outerjoin(given, given.c.session_id == c.id).outerjoin(
            followed, followed.c.session_id == c.id
        )
    )


def _given_per_session(closed_sessions: Any) -> Any:
    """Per closed session: whether foam was given, overrides, and the agent and volumes given
    (voided injections were not given)."""
    i = INJECTIONS.c
    return (
        select(
            i.session_id,
            func.max(case((i.technique == "foam", 1), else_=0)).label("foam"),
            func.count(i.override_reason).label("overrides"),
            func.sum(i.agent_mg).label("agent_mg"),
            func.sum(case((i.technique == "foam", i.volume_ml), else_=0.0)).label("foam_ml"),
            func.sum(case((i.technique == "liquid", i.volume_ml), else_=0.0)).label("liquid_ml"),
        )
        .join_from(INJECTIONS, closed_sessions, closed_sessions.c.id == i.session_id)
        .where(i.voided_at.is_(None))
        .group_by(i.session_id)
        .subquery("given")
    )


def _followed_per_session(patients: Patients) -> Any:
    """Per session followed up: the first follow-up's date and the satisfaction scores given."""
    fu = FOLLOW_UPS.c
    return (
        select(
            fu.session_id,
            func.min(fu.performed_on).label("first"),
            *[
                func.sum(case((fu.satisfaction == n, 1), else_=0)).label(f"satisfaction_{n}")
                for n in SATISFACTION_SCORES
            ],
        )
        .where(fu.session_id.is_not(None), _of(fu.patient_id, patients))
        .group_by(fu.session_id)
        .subquery("followed")
    )


def _region_facts(patients: Patients) -> Any:
    s, i = SESSIONS.c, INJECTIONS.c
    given = (i.vein_type, i.technique, i.agent, i.concentration_percent)
    keys = (i.side, i.region, *given)
    first = func.row_number().over(partition_by=(s.id, i.side, i.region), order_by=given)
    opens_region = case((first == 1, 1), else_=0)
    return (
        select(s.id, s.patient_id, s.started_at, s.performed_by_id, *keys, opens_region)
        .join_from(INJECTIONS, SESSIONS, s.id == i.session_id)
        .where(s.status == SessionStatus.CLOSED.value, i.voided_at.is_(None))
        .where(_of(s.patient_id, patients))
        .group_by(s.id, s.patient_id, s.started_at, s.performed_by_id, *keys)
    )


def _clearance_facts(patients: Patients, success_level: int) -> Any:
    fu, rc = FOLLOW_UPS.c, CLEARANCES.c
    return (
        select(
            fu.patient_id,
            rc.side,
            rc.region,
            func.max(rc.level),
            func.min(case((rc.level >= success_level, fu.performed_on))),
            func.max(fu.performed_on),
        )
        .join_from(CLEARANCES, FOLLOW_UPS, fu.id == rc.follow_up_id)
        .where(_of(fu.patient_id, patients))
        .group_by(fu.patient_id, rc.side, rc.region)
    )


def _override_facts(patients: Patients) -> Any:
    s, i = SESSIONS.c, INJECTIONS.c
    return (
        select(s.id, s.patient_id, i.override_by_id, i.override_reason, func.count())
        .join_from(INJECTIONS, SESSIONS, s.id == i.session_id)
        .where(s.status == SessionStatus.CLOSED.value, i.voided_at.is_(None))
        .where(i.override_reason.is_not(None), _of(s.patient_id, patients))
        .group_by(s.id, s.patient_id, i.override_by_id, i.override_reason)
    )


def _patient_facts(patients: Patients) -> Any:
    fu, a = FOLLOW_UPS.c, APPOINTMENTS.c
    seen = select(
        fu.patient_id.label("patient_id"),
        fu.performed_on.label("follow_up"),
        literal(None, DateTime).label("booked"),
    ).where(_of(fu.patient_id, patients))
    booked = select(
        a.patient_id,
        literal(None, Date).label("follow_up"),
        a.starts_at,
    ).where(a.status == AppointmentStatus.BOOKED.value, _of(a.patient_id, patients))
    both = union_all(seen, booked).subquery("both")
    return select(both.c.patient_id, func.max(both.c.follow_up), func.max(both.c.booked)).group_by(
        both.c.patient_id
    )


def _rule_facts(dialect: str, patients: Patients) -> Any:
    e, p = EVALUATIONS.c, PLANS.c
    fired = json_items(dialect, e.result, "screening", "reasons")
    decided = json_items(dialect, p.physician_decision_codes)
    return union_all(
        select(
            e.patient_id,
            e.id,
            e.performed_at,
            literal(None, Integer),
            literal("fired"),
            fired.c.value,
        )
        .select_from(EVALUATIONS.join(fired, true()))
        .where(fired.c.value.is_not(None), _of(e.patient_id, patients)),
        select(e.patient_id, e.id, e.performed_at, p.id, literal("overridden"), decided.c.value)
        .select_from(PLANS.join(EVALUATIONS, e.id == p.evaluation_id).join(decided, true()))
        .where(decided.c.value.is_not(None), _of(p.patient_id, patients)),
    )


def _derive(connection: Connection, patients: Patients, success_level: int) -> None:
    dialect = connection.dialect.name
    sources = {
        SESSION_FACTS: _session_facts(patients),
        REGION_FACTS: _region_facts(patients),
        CLEARANCE_FACTS: _clearance_facts(patients, success_level),
        OVERRIDE_FACTS: _override_facts(patients),
        PATIENT_FACTS: _patient_facts(patients),
        RULE_FACTS: _rule_facts(dialect, patients),
    }
    for table, source in sources.items():
        names = [c.name for c in table.columns]
        connection.execute(insert(table).from_select(names, source))


def refresh(connection: Connection, patients: Collection[int]) -> None:
    """Derive the facts of these patients again from the live tables (in the caller's
    transaction): what they were is deleted first, so the facts stay exact. Nothing to do
    while the summary was never built."""
    built = state(connection)
    if not patients or built is None:
        return
    ids = sorted(set(patients))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        # One refresh of a patient at a time (PostgreSQL): a second transaction waits here until
        # the first commits, then deletes what it inserted, so no fact is ever counted twice.
        # SQLite has one writer at a time already.
        p = PATIENTS.c
        connection.execute(
            select(p.id).where(p.id.in_(chunk)).order_by(p.id).with_for_update(of=PATIENTS)
        ).all()
        for table in FACT_TABLES:
            connection.execute(delete(table).where(table.c.patient_id.in_(chunk)))
        _derive(connection, chunk, built.success_level)


def rebuild(connection: Connection, success_level: int) -> None:
    """Every fact derived again from the live tables for the protocol's `success_level`, and
    the state row stamped (after a bulk load, a migration or a new success level; the caller
    commits)."""
    for table in FACT_TABLES:
        connection.execute(delete(table))
    _derive(connection, None, success_level)
    connection.execute(delete(STATE))
    stamp = {"id": 1, "rebuilt_at": utcnow(), "success_level": success_level}
    connection.execute(insert(STATE).values(**stamp))


@dataclass(frozen=True)
class SummaryState:
    rebuilt_at: datetime
    success_level: int


def state(connection: Connection) -> SummaryState | None:
    """When the summary was last rebuilt, or None if it never was (the report then reads the
    live tables)."""
    row = connection.execute(
        select(STATE.c.rebuilt_at, STATE.c.success_level).where(STATE.c.id == 1)
    ).first()
    return None if row is None else SummaryState(row.rebuilt_at, row.success_level)


# --- Keeping the facts in step with every ORM write ---------------------------------------

CHANGED = "sclero.reports.changed"  # session.info key: {"patients", "sessions", "follow_ups"}


def _changes(session: Session) -> dict[str, set[int]]:
    found: dict[str, set[int]] = session.info.setdefault(
        CHANGED, {"patients": set(), "sessions": set(), "follow_ups": set()}
    )
    return found


def _note(changes: dict[str, set[int]], row: object) -> None:
    if isinstance(row, Injection):
        changes["sessions"].add(row.session_id)
    elif isinstance(row, RegionClearance):
        changes["follow_ups"].add(row.follow_up_id)
    elif isinstance(row, Patient):
        changes["patients"].add(row.id)
    elif isinstance(row, WATCHED):
        changes["patients"].add(row.patient_id)


WATCHED = (TreatmentSession, FollowUp, AdverseEvent, Evaluation, TreatmentPlan, Appointment)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    """Remember whose facts this flush changed (any writer: pages, API, import, CLI)."""
    changes: dict[str, set[int]] | None = None
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, (*WATCHED, Injection, RegionClearance)) or (
            isinstance(row, Patient) and row in session.deleted
        ):
            changes = changes or _changes(session)
            _note(changes, row)


@event.listens_for(Session, "before_commit")
def _refresh_changed(session: Session) -> None:
    """Before the transaction commits, derive the changed patients' facts again in it."""
    if session.info.get(CHANGED) is None and not (session.new or session.dirty or session.deleted):
        return
    session.flush()
    changes = session.info.pop(CHANGED, None)
    if changes is None:
        return
    connection = session.connection()
    refresh(connection, _patients_of(connection, changes))


@event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session: Session, _previous: Any) -> None:
    session.info.pop(CHANGED, None)


def _patients_of(connection: Connection, changes: dict[str, set[int]]) -> set[int]:
    patients = set(changes["patients"])
    s, fu = SESSIONS.c, FOLLOW_UPS.c
    for column, key, ids in (
        (s.patient_id, s.id, changes["sessions"]),
        (fu.patient_id, fu.id, changes["follow_ups"]),
    ):
        patients.update(_select_ids(connection, column, key, ids))
    return patients


def _select_ids(connection: Connection, column: Any, key: Any, ids: Iterable[int]) -> set[int]:
    wanted = sorted(ids)
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(connection.scalars(select(column).where(key.in_(chunk))))
    return found


__all__ = [
    "CLEARANCE_FACTS",
    "FACT_TABLES",
    "OVERRIDE_FACTS",
    "PATIENT_FACTS",
    "REGION_FACTS",
    "RULE_FACTS",
    "SESSION_FACTS",
    "STATE",
    "SummaryState",
    "rebuild",
    "refresh",
    "state",
]
