"""The visits of a demo patient after the evaluation: appointments, plan and consent, sessions
with their injections and adverse events, and follow-ups with clearance per region."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sclero.adverse_events import service as adverse_events
from sclero.adverse_events.choices import Outcome
from sclero.adverse_events.models import AdverseEvent
from sclero.charting.schemas import CHECKLIST_ITEMS
from sclero.charting.service import closing_record
from sclero.demo import course
from sclero.demo.people import FEMALE_NAMES, MALE_NAMES, age_on
from sclero.demo.store import Clinic
from sclero.patients.choices import HoldReason
from sclero.planning.consent import consent_text
from sclero.planning.models import TreatmentPlan

TREATABLE = {"eligible", "eligible_with_precautions"}
DURATION = {"evaluation": 30, "session": 45, "follow_up": 15}
DECISION_REASON = "Reviewed with the patient: benefit outweighs the risk; precautions discussed."


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


def plan(
    clinic: Clinic,
    rng: random.Random,
    person: dict[str, Any],
    evaluation_id: int,
    at: datetime,
    result: dict[str, Any],
) -> int:
    """An approved plan from the engine's proposal, with the consent the patient signed."""
    ids, rows, physician = clinic.ids, clinic.rows, clinic.staff["physician"]
    plan_doc, limits = result["plan"], result["plan"]["session_limits"]
    expected = plan_doc.get("expected_sessions")
    if isinstance(expected, dict):
        expected = f"{expected.get('min')}–{expected.get('max')}"
    created = at + timedelta(minutes=25)
    plan_id = ids.next("treatment_plans")
    plan_row = {
        "id": plan_id,
        "patient_id": person["id"],
        "evaluation_id": evaluation_id,
        "status": "approved",
        "created_by_id": physician,
        "approved_by_id": physician,
        "approved_at": created + timedelta(minutes=5),
        "protocol_id": result["protocol"]["id"],
        "protocol_version": result["protocol"]["version"],
        "proposal": plan_doc,
        "weight_kg": person["weight_kg"],
        "max_agent_mg": limits.get("max_agent_mg"),
        "max_foam_ml": limits.get("max_foam_ml"),
        "max_liquid_ml": limits.get("max_liquid_ml"),
        "expected_sessions": None if expected is None else str(expected),
        "interval_days": clinic.protocol.interval_days,
        "compression": plan_doc.get("compression"),
        "notes": None
        if result["screening"]["decision"] in TREATABLE
        else "Physician review: benefit outweighs the risk; precautions discussed.",
        **_physician_decision(result, physician),
        "created_at": created,
        "updated_at": created + timedelta(minutes=5),
    }
    items = []
    for position, item in enumerate(plan_doc["items"]):
        concentration = item.get("concentration_percent") or {}
        items.append(
            {
                "id": ids.next("plan_items"),
                "plan_id": plan_id,
                "finding_id": int(item["finding_id"]) if item.get("finding_id") else None,
                "position": position,
                "vein_type": item["vein_type"],
                "technique": item["technique"],
                "agent": item.get("agent"),
                "concentration_min": concentration.get("min"),
                "concentration_max": concentration.get("max"),
                "max_volume_per_injection_ml": item.get("max_volume_per_injection_ml"),
                "sources": list(item.get("sources", [])),
                "departs_from_proposal": False,
                "departure_reason": None,
            }
        )
    rows.add("treatment_plans", plan_row)
    rows.extend("plan_items", items)
    rows.add(
        "consents",
        {
            "id": ids.next("consents"),
            "patient_id": person["id"],
            "plan_id": plan_id,
            "text": _consent_text(clinic, plan_row, items),
            **_signer(clinic, rng, person, created.date()),
            "signed_at": created + timedelta(minutes=rng.randint(8, 20)),
            "witnessed_by_id": clinic.staff["nurse"],
        },
    )
    return plan_id


def _signer(
    clinic: Clinic, rng: random.Random, person: dict[str, Any], day: date
) -> dict[str, Any]:
    """Who signs the consent: the patient, or for a minor a parent, naming the relationship."""
    if age_on(person["birth_date"], day) >= clinic.protocol.minor_below_age_years:
        name = f"{person['first_name']} {person['last_name']}"
        return {"signed_by_name": name, "representative_relationship": None}
    relationship = rng.choice(("mother", "father", "legal guardian"))
    first = rng.choice(MALE_NAMES if relationship == "father" else FEMALE_NAMES)
    return {
        "signed_by_name": f"{first} {person['last_name']}",
        "representative_relationship": relationship,
    }


def _physician_decision(result: dict[str, Any], physician: int) -> dict[str, Any]:
    """What the physician decided past at approval, as the app records it: the screening's
    referrals and relative contraindications that need a physician, with a written reason."""
    codes = sorted(result["screening"].get("needs_physician_decision") or [])
    return {
        "physician_decision_codes": codes or None,
        "physician_decision_reason": DECISION_REASON if codes else None,
        "physician_decision_by_id": physician if codes else None,
    }


def _consent_text(clinic: Clinic, plan_row: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """The planning step's own consent text, read from a plain stand-in for the unsaved plan.

    (Building transient ORM objects instead took a third of the generator's time.)
    """
    plan = SimpleNamespace(**plan_row, items=[SimpleNamespace(**item) for item in items])
    return consent_text(cast(TreatmentPlan, plan), clinic.protocol)


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
    for number, injection in enumerate(charted.injections):
        rows.add(
            "injections",
            {
                **injection,
                "id": ids.next("injections"),
                "session_id": session_id,
                "charted_at": started + timedelta(minutes=8 + 2 * number),
                "charted_by_id": performer,
            },
        )
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
    events = course.adverse_events(rng, foam, starts.date(), clinic.today, clinic.protocol)
    showcase = course.showcase_urgent_event(rng, starts.date(), clinic.today, clinic.protocol)
    for event in [*events, *([showcase] if showcase else [])]:
        reported = datetime.combine(event["onset_date"], time(10)) + timedelta(
            days=rng.randint(0, 3)
        )
        reported = min(reported, clinic.now)
        row = {
            **event,
            "id": ids.next("adverse_events"),
            "patient_id": person["id"],
            "session_id": session_id,
            "reported_at": reported,
            "reported_by_id": clinic.staff["nurse"],
            "closed_at": min(reported + timedelta(days=rng.randint(7, 45)), clinic.now)
            if event["status"] == "closed"
            else None,
        }
        rows.add("adverse_events", row)
        if row["triage_level"] == "urgent_care":
            rows.add("patient_holds", _hold(clinic, row))
    return session_id, charted


def _hold(clinic: Clinic, event: dict[str, Any]) -> dict[str, Any]:
    """The hold an urgent event places on new sessions, as the app places it: reviewed by the
    physician when the event was closed, still open while the event is."""
    closed = event["closed_at"]
    shown = AdverseEvent(event_type=event["event_type"], symptoms=event["symptoms"])
    return {
        "id": clinic.ids.next("patient_holds"),
        "patient_id": event["patient_id"],
        "reason": HoldReason.URGENT_ADVERSE_EVENT.value,
        "summary": adverse_events.summary(shown),
        "source": adverse_events.HOLD_SOURCE,
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
