"""The patient chart's content: identity, alerts and a timeline gathered through each step's
service (so every read is audited and role-checked where it belongs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sclero.adverse_events import service as adverse_events
from sclero.adverse_events.choices import EventStatus
from sclero.charting import service as charting
from sclero.charting.choices import SessionStatus
from sclero.core.auth import sees_clinical
from sclero.core.db import UnitOfWork
from sclero.core.time import today
from sclero.evaluation import service as evaluation
from sclero.follow_up import queries as follow_up_queries
from sclero.follow_up import service as follow_up
from sclero.patients import queries as patient_queries
from sclero.patients import service as patients
from sclero.planning import service as planning
from sclero.planning.choices import PlanStatus
from sclero.rules import STOPPING_DECISIONS, stored_reasons
from sclero.scheduling import service as scheduling
from sclero.web.templating import label


@dataclass(frozen=True)
class Alert:
    style: str  # danger / warning / caution / info
    text: str


@dataclass(frozen=True)
class Event:
    when: datetime
    kind: str
    title: str
    detail: str
    href: str | None = None


def build_chart(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    """Everything the chart page shows; clinical parts only for clinical roles."""
    patient = patients.get_patient(uow, patient_id)
    appointments = scheduling.patient_appointments(uow, patient_id)
    suggestions = scheduling.suggestions(uow, patient_id)
    context: dict[str, Any] = {
        "patient": patient,
        "appointments": appointments,
        "suggestions": suggestions,
        "clinical": sees_clinical(uow.actor),
        "alerts": [],
        "holds": patient_queries.open_holds(uow, patient_id),
        "timeline": [],
        "age": _age(patient.birth_date),
    }
    if context["clinical"]:
        context.update(_clinical(uow, patient_id, suggestions))
    return context


def _clinical(uow: UnitOfWork, patient_id: int, suggestions: Any) -> dict[str, Any]:
    evaluations = evaluation.list_evaluations(uow, patient_id)
    plans = planning.list_plans(uow, patient_id)
    sessions = charting.list_sessions(uow, patient_id)
    follow_ups = follow_up.list_follow_ups(uow, patient_id)
    events = adverse_events.list_events(uow, patient_id)
    photos = follow_up.list_photos(uow, patient_id)
    history = patient_queries.history_codes(patients.get_history(uow, patient_id))
    base = f"/patients/{patient_id}"
    timeline = [
        *(_evaluation_event(e, base) for e in evaluations),
        *(_plan_event(p) for p in plans),
        *(_session_event(s) for s in sessions),
        *(
            _follow_up_event(f, follow_up_queries.clearance_summary(uow, f).text, base)
            for f in follow_ups
        ),
        *(_adverse_event(a, base) for a in events),
        *(_photo_event(p, base) for p in photos),
    ]
    timeline.sort(key=lambda e: e.when, reverse=True)
    latest = evaluations[0] if evaluations else None
    return {
        "timeline": timeline,
        "latest_evaluation": latest,
        "history": history,
        "open_events": [a for a in events if a.status == EventStatus.OPEN],
        "alerts": _alerts(latest, suggestions, sessions, follow_ups, events),
        "active_plan": next((p for p in plans if p.status == PlanStatus.APPROVED), None),
        "open_session": next((s for s in sessions if s.status == SessionStatus.OPEN), None),
    }


def _evaluation_event(e: Any, base: str) -> Event:
    return Event(
        e.performed_at, "evaluation", "Medical evaluation", label(e.decision), f"{base}/evaluation"
    )


def _plan_event(p: Any) -> Event:
    title = f"Treatment plan ({label(p.status).lower()})"
    return Event(p.created_at, "plan", title, f"{len(p.items)} item(s)", f"/plans/{p.id}")


def _session_event(s: Any) -> Event:
    title = f"Session ({label(s.status).lower()})"
    return Event(
        s.started_at, "session", title, f"{len(s.injections)} injection(s)", f"/sessions/{s.id}"
    )


def _follow_up_event(f: Any, clearance: str, base: str) -> Event:
    return Event(_at(f.performed_on), "follow_up", "Follow-up", clearance, f"{base}/follow-ups")


def _adverse_event(a: Any, base: str) -> Event:
    title = f"Adverse event: {label(a.event_type)}"
    detail = f"{label(a.severity)}, {label(a.status).lower()}"
    return Event(_at(a.onset_date), "adverse_event", title, detail, f"{base}/adverse-events")


def _photo_event(p: Any, base: str) -> Event:
    where = f"{label(p.side)} {label(p.region).lower()}"
    return Event(_at(p.taken_on), "photo", "Photo", where, f"{base}/follow-ups")


def _alerts(
    latest: Any, suggestions: Any, sessions: list[Any], follow_ups: list[Any], events: list[Any]
) -> list[Alert]:
    alerts: list[Alert] = []
    if latest is None:
        alerts.append(Alert("info", "No medical evaluation yet: evaluate before planning."))
    elif latest.decision in STOPPING_DECISIONS:
        reasons = "; ".join(stored_reasons(latest.result))
        alerts.append(Alert("danger", f"Screening: {latest.decision.replace('_', ' ')}. {reasons}"))
    for event in events:
        if event.status == EventStatus.OPEN:
            style = "danger" if event.triage_level == "urgent_care" else "warning"
            alerts.append(
                Alert(
                    style,
                    f"Open adverse event: {event.event_type.replace('_', ' ')}"
                    f" ({event.triage_level.replace('_', ' ')}).",
                )
            )
    if suggestions.earliest_next_session and suggestions.earliest_next_session > today():
        alerts.append(
            Alert(
                "caution",
                "Next session on the same area not before "
                f"{suggestions.earliest_next_session:%d %b %Y}.",
            )
        )
    last_follow_up = max((f.performed_on for f in follow_ups), default=None)
    if (
        suggestions.follow_up_due
        and suggestions.follow_up_due <= today()
        and (last_follow_up is None or last_follow_up < suggestions.last_session)
    ):
        alerts.append(
            Alert("warning", f"Follow-up due since {suggestions.follow_up_due:%d %b %Y}.")
        )
    return alerts


def _at(day: date) -> datetime:
    """A date-only record sorts after that day's timed ones (a follow-up follows its session)."""
    return datetime.combine(day, time.max)


def _age(birth: date) -> int:
    now = today()
    return now.year - birth.year - ((now.month, now.day) < (birth.month, birth.day))
