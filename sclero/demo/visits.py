"""The visits of a demo patient after the evaluation: appointments, plan and consent, sessions
with their injections and adverse events, and follow-ups with clearance per region."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sclero.adverse_events import queries as event_queries
from sclero.adverse_events.choices import Outcome
from sclero.adverse_events.models import AdverseEvent
from sclero.charting.queries import closing_record
from sclero.charting.schemas import CHECKLIST_ITEMS
from sclero.demo import course
from sclero.demo.plans import TREATABLE
from sclero.demo.store import Clinic
from sclero.patients.choices import HoldReason

DURATION = {"evaluation": 30, "session": 45, "follow_up": 15}


def _at(rng: random.Random, day: date) -> datetime:
    """A 15-minute slot in clinic hours (08:00–16:45)."""
    return datetime.combine(day, time(8)) + timedelta(minutes=15 * rng.randint(0, 35))


def appointment(
    clinic: Clinic,
    rng: random.Random,
    patient_id: int,
    kind: str,
    day: date,
    regions: list[str] | None = None,
) -> tuple[int, datetime, date]:
    """Book `kind` on `day` (past visits done); sometimes a cancelled or missed visit first.

    Returns the id, start and day of the visit that takes place (a missed one is rebooked later).
    """
    if day < clinic.today and rng.random() < 0.07:
        status = "cancelled" if rng.random() < 0.55 else "no_show"
        _appointment_row(clinic, rng, patient_id, kind, day, status, regions)
        day += timedelta(days=rng.randint(3, 14))
    status = "done" if day < clinic.today else "booked"
    appointment_id, starts = _appointment_row(clinic, rng, patient_id, kind, day, status, regions)
    return appointment_id, starts, day


def _appointment_row(
    clinic: Clinic,
    rng: random.Random,
    patient_id: int,
    kind: str,
    day: date,
    status: str,
    regions: list[str] | None,
) -> tuple[int, datetime]:
    starts = _at(rng, day)
    booked = min(starts - timedelta(days=rng.randint(2, 30)), clinic.now)
    appointment_id = clinic.ids.next("appointments")
    clinic.rows.add(
        "appointments",
        {
            "id": appointment_id,
            "patient_id": patient_id,
            "kind": kind,
            "status": status,
            "starts_at": starts,
            "duration_minutes": DURATION[kind],
            "regions": regions,
            "interval_override_reason": None,
            "notes": "Cancelled by the patient." if status == "cancelled" else None,
            "created_by_id": clinic.staff["frontdesk"],
            "created_at": booked,
            "updated_at": min(starts + timedelta(hours=1), clinic.now),
        },
    )
    return appointment_id, starts


def goes_ahead(rng: random.Random, result: dict[str, Any]) -> bool:
    """Eligible patients mostly go ahead; after a physician's review, some do."""
    if rng.random() < 0.1:
        return False  # the patient chose not to go ahead
    decision = result["screening"]["decision"]
    if decision in TREATABLE:
        return True
    referred_out = any(r["to"] != "physician_review" for r in result["plan"]["referrals"])
    return decision == "refer" and not referred_out and rng.random() < 0.6


RETURN_GAP_DAYS = (60, 240)
"""Days from the end of one course to the first session of the next, when a patient returns."""


def treat(
    clinic: Clinic,
    rng: random.Random,
    person: dict[str, Any],
    plan_id: int,
    planned_on: date,
    result: dict[str, Any],
    targets: list[course.Target],
) -> None:
    """Courses of up to three sessions, each session followed by a follow-up; after a course the
    patient comes back for another one (new veins in the same regions) at the clinic's return
    rate, which is zero unless the generator was asked for more sessions than patients bring."""
    day = planned_on + timedelta(days=rng.randint(7, 28))
    while True:
        ready = _course(clinic, rng, person, plan_id, day, result, targets)
        if ready is None or rng.random() >= clinic.return_rate:
            return
        day = ready + timedelta(days=rng.randint(*RETURN_GAP_DAYS))


def _course(
    clinic: Clinic,
    rng: random.Random,
    person: dict[str, Any],
    plan_id: int,
    day: date,
    result: dict[str, Any],
    targets: list[course.Target],
) -> date | None:
    """One course until the regions clear; the day a next course may start from, or None while
    a visit of this one is still booked."""
    responses = {t.area: course.region_response(rng) for t in targets}
    treated: Counter[tuple[str, str]] = Counter()
    levels: dict[tuple[str, str], int] = {}
    interval, ready = clinic.protocol.interval_days, day
    for number in range(1, 4):
        todo = [t for t in targets if levels.get(t.area, -1) < 3]
        regions = sorted({t.finding.region for t in todo})
        appointment_id, starts, day = appointment(
            clinic, rng, person["id"], "session", day, regions
        )
        if day >= clinic.today:
            return None  # the next session is booked
        session_id, charted = _session(
            clinic, rng, person, plan_id, appointment_id, starts, result, todo
        )
        treated.update(charted.areas)
        follow_day = day + timedelta(days=clinic.protocol.follow_up_days + rng.randint(-2, 7))
        _, follow_at, follow_day = appointment(clinic, rng, person["id"], "follow_up", follow_day)
        if follow_day >= clinic.today:
            return None  # the follow-up is booked
        for area in charted.areas:
            level = course.clearance_level(rng, treated[area], responses[area])
            levels[area] = max(level, levels.get(area, 0))
        more = number < 3 and any(level < 3 for level in levels.values())
        _follow_up(clinic, rng, person["id"], session_id, follow_at, levels, more)
        ready = max(follow_day, day + timedelta(days=interval))
        if not more or rng.random() < 0.1:
            break  # cleared, or the patient did not come back
        day = ready + timedelta(days=rng.randint(0, 21))
    return ready


def _session(
    clinic: Clinic,
    rng: random.Random,
    person: dict[str, Any],
    plan_id: int,
    appointment_id: int,
    starts: datetime,
    result: dict[str, Any],
    todo: list[course.Target],
) -> tuple[int, course.Charted]:
    ids, rows = clinic.ids, clinic.rows
    plan_doc = result["plan"]
    limits = plan_doc["session_limits"]
    charted = course.chart_injections(rng, todo, limits, clinic.protocol.foam_liquid_fraction)
    session_id = ids.next("treatment_sessions")
    performer = clinic.staff["physician" if rng.random() < 0.8 else "nurse"]
    started = starts + timedelta(minutes=rng.randint(0, 10))
    rows.extend("injections", _injection_rows(clinic, charted, session_id, started, performer))
    closed = closing_record(plan_doc, _compression(plan_doc))
    rows.add(
        "treatment_sessions",
        {
            "id": session_id,
            "patient_id": person["id"],
            "plan_id": plan_id,
            "appointment_id": appointment_id,
            "status": "closed",
            "started_at": started,
            "closed_at": started + timedelta(minutes=20 + 2 * len(charted.injections)),
            "performed_by_id": performer,
            "checklist": dict.fromkeys(CHECKLIST_ITEMS, True),
            "weight_kg": person["weight_kg"],
            "limits": limits,
            "protocol_version": result["protocol"]["version"],
            "compression": closed[0],
            "aftercare": closed[1],
            "notes": None,
        },
    )
    foam = any(i["technique"] == "foam" for i in charted.injections)
    _adverse_events(clinic, rng, person["id"], session_id, starts.date(), foam)
    return session_id, charted


def _injection_rows(
    clinic: Clinic, charted: course.Charted, session_id: int, started: datetime, performer: int
) -> list[dict[str, Any]]:
    """The session's injections as charted, two minutes apart from eight minutes in."""
    return [
        {
            **injection,
            "id": clinic.ids.next("injections"),
            "session_id": session_id,
            "charted_at": started + timedelta(minutes=8 + 2 * number),
            "charted_by_id": performer,
        }
        for number, injection in enumerate(charted.injections)
    ]


def _adverse_events(
    clinic: Clinic, rng: random.Random, patient_id: int, session_id: int, day: date, foam: bool
) -> None:
    """The session's complications at the reference's rates (and, recently, the showcase urgent
    one); an urgent one holds the patient's next session until a physician reviews it."""
    events = course.adverse_events(rng, foam, day, clinic.today, clinic.protocol)
    showcase = course.showcase_urgent_event(rng, day, clinic.today, clinic.protocol)
    for event in [*events, *([showcase] if showcase else [])]:
        reported = datetime.combine(event["onset_date"], time(10)) + timedelta(
            days=rng.randint(0, 3)
        )
        reported = min(reported, clinic.now)
        row = {
            **event,
            "id": clinic.ids.next("adverse_events"),
            "patient_id": patient_id,
            "session_id": session_id,
            "reported_at": reported,
            "reported_by_id": clinic.staff["nurse"],
            "closed_at": min(reported + timedelta(days=rng.randint(7, 45)), clinic.now)
            if event["status"] == "closed"
            else None,
        }
        clinic.rows.add("adverse_events", row)
        if row["triage_level"] == "urgent_care":
            clinic.rows.add("patient_holds", _hold(clinic, row))


def _hold(clinic: Clinic, event: dict[str, Any]) -> dict[str, Any]:
    """The hold an urgent event places on new sessions, as the app places it: reviewed by the
    physician when the event was closed, still open while the event is."""
    closed = event["closed_at"]
    shown = AdverseEvent(event_type=event["event_type"], symptoms=event["symptoms"])
    return {
        "id": clinic.ids.next("patient_holds"),
        "patient_id": event["patient_id"],
        "reason": HoldReason.URGENT_ADVERSE_EVENT.value,
        "summary": event_queries.summary(shown),
        "source": event_queries.HOLD_SOURCE,
        "source_id": event["id"],
        "placed_at": event["reported_at"],
        "placed_by_id": event["reported_by_id"],
        "reviewed_at": closed,
        "reviewed_by_id": clinic.staff["physician"] if closed else None,
        "review_note": f"Closed: {Outcome(event['outcome']).label}." if closed else None,
    }


def _compression(plan_doc: dict[str, Any]) -> str:
    """What the nurse writes as given: the plan's advice, in days."""
    advice = plan_doc.get("compression") or {}
    if not advice.get("required"):
        return "None advised"
    return f"Compression stockings, {advice.get('min_days')}–{advice.get('max_days')} days"


def _follow_up(
    clinic: Clinic,
    rng: random.Random,
    patient_id: int,
    session_id: int,
    at: datetime,
    levels: dict[tuple[str, str], int],
    more: bool,
) -> None:
    ids, rows = clinic.ids, clinic.rows
    follow_up_id = ids.next("follow_ups")
    rows.add(
        "follow_ups",
        {
            "id": follow_up_id,
            "patient_id": patient_id,
            "session_id": session_id,
            "performed_on": at.date(),
            "satisfaction": course.satisfaction(rng, list(levels.values())),
            "more_sessions_needed": more,
            "notes": None,
            "recorded_by_id": clinic.staff["physician"],
        },
    )
    rows.extend(
        "region_clearances",
        [
            {
                "id": ids.next("region_clearances"),
                "follow_up_id": follow_up_id,
                "side": side,
                "region": region,
                "level": level,
            }
            for (side, region), level in sorted(levels.items())
        ],
    )
