"""The demo clinic generator: a realistic synthetic clinic written in bulk into a migrated database.

Every patient walks the pathway the clinic's seeds describe: booking, medical evaluation (screened
by the real protocol engine), vein assessment, duplex for larger veins, an approved plan with
signed consent, sessions at least the protocol's interval apart charted within the plan and the
session limits, follow-ups with clearance per region, and adverse events at the reference's rates.
Deterministic for a given seed, today and starting database. Demo data only — never real people.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sclero.core.auth import User
from sclero.core.time import today as clinic_today
from sclero.core.time import utcnow
from sclero.demo import clinical, course, plans, visits
from sclero.demo.people import age_on, make_person
from sclero.demo.staff import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from sclero.demo.store import Clinic, Ids, Rows, Writer, reset_sequences
from sclero.patients.models import search_term_rows
from sclero.rules import default_protocol, evaluate_document

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoSummary",
    "ensure_demo_users",
    "generate_clinic",
]

BATCH = 500
HISTORY_DAYS = 3 * 365  # first visits spread over the last three years
SESSIONS_PER_PATIENT = 1.4
"""Sessions per patient the pathway gives over HISTORY_DAYS without returning courses (measured
on this generator: 4 127 sessions for 3 000 patients); asked for more, the generator stretches
the history and lets patients come back for further courses."""
MAX_RETURN_RATE = 0.98


@dataclass(frozen=True)
class DemoSummary:
    """How many rows the generator wrote, per table (users: demo staff present)."""

    users: int = 0
    patients: int = 0
    patient_history: int = 0
    patient_medications: int = 0
    patient_allergies: int = 0
    vein_findings: int = 0
    duplex_findings: int = 0
    evaluations: int = 0
    treatment_plans: int = 0
    plan_items: int = 0
    consents: int = 0
    appointments: int = 0
    treatment_sessions: int = 0
    injections: int = 0
    follow_ups: int = 0
    region_clearances: int = 0
    adverse_events: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _new_clinic(session: Session, patients: int, seed: int, day: date, scale: float) -> Clinic:
    """The clinic being generated: its staff (the demo users, made if missing), the ids free in
    the database, and a history `scale` times the usual length when more sessions are asked."""
    ensure_demo_users(session)
    session.commit()
    staff = dict(session.execute(select(User.username, User.id)).all())
    return Clinic(
        seed=seed,
        today=day,
        now=datetime.combine(day, time(7, 30)),
        staff=staff,
        protocol=default_protocol(),
        ids=Ids.from_database(session),
        rows=Rows(),
        new_today_from=patients - max(3, patients // 500),
        history_days=round(HISTORY_DAYS * scale),
        return_rate=1.0 - 1.0 / scale,  # first guess: `scale` courses per treated patient
    )


def generate_clinic(
    session: Session,
    patients: int,
    *,
    seed: int = 7,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    sessions: int | None = None,
) -> DemoSummary:
    """Write `patients` synthetic patients with their whole pathway, committed in batches.

    `sessions` asks for about that many treatment sessions in all (within a few per cent):
    beyond what `patients` bring by themselves, patients come back for further courses over a
    longer history. `progress` is called with the patients written so far.
    """
    scale = max(1.0, (sessions or 0) / (patients * SESSIONS_PER_PATIENT))
    clinic = _new_clinic(session, patients, seed, today or clinic_today(), scale)
    batch = BATCH
    if scale > 1.0:  # about as many rows per batch, and ten batches at least to steer by
        batch = max(10, min(round(BATCH / scale), -(-patients // 10)))
    first_session, made_before = clinic.ids.peek("treatment_sessions"), 0
    writer = Writer(session, progress)
    try:
        for start in range(0, patients, batch):
            done = min(patients, start + batch)
            for index in range(start, done):
                _patient(clinic, index)
            writer.submit(clinic.rows.take(), done)
            if sessions and scale > 1.0 and done < patients:
                made = clinic.ids.peek("treatment_sessions") - first_session
                clinic.return_rate = _steer(
                    clinic.return_rate,
                    (made - made_before) / (done - start),
                    (sessions - made) / (patients - done),
                )
                made_before = made
    except BaseException:
        writer.abandon()
        raise
    counts = writer.close()
    _audit(clinic, patients, sessions)
    clinic.rows.write(session)
    reset_sequences(session)
    session.commit()
    names = {f.name for f in fields(DemoSummary)}
    return DemoSummary(users=len(DEMO_USERS), **{k: v for k, v in counts.items() if k in names})


def _steer(rate: float, made: float, wanted: float) -> float:
    """The return rate for the next batch, from the sessions per patient the last batch made at
    `rate` and the sessions per patient still wanted: a treated patient's courses grow as
    1 / (1 - rate)."""
    courses = 1.0 / (1.0 - rate) * (max(wanted, 0.0) / max(made, 0.1))
    return min(MAX_RETURN_RATE, max(0.0, 1.0 - 1.0 / max(courses, 1.0)))


def _audit(clinic: Clinic, patients: int, sessions: int | None) -> None:
    clinic.rows.add(
        "audit_log",
        {
            "id": clinic.ids.next("audit_log"),
            "at": utcnow(),
            "user_id": None,
            "username": "system",
            "role": "admin",
            "action": "create",
            "entity": "demo_clinic",
            "entity_id": None,
            "patient_id": None,
            "address": "local",
            "detail": {
                "patients": patients,
                **({"sessions": sessions} if sessions else {}),
                "seed": clinic.seed,
                "today": clinic.today.isoformat(),
            },
        },
    )


def _patient(clinic: Clinic, index: int) -> None:
    rng = random.Random(clinic.seed * 1_000_003 + index)
    today, ids, rows = clinic.today, clinic.ids, clinic.rows
    patient_id = ids.next("patients")
    person = make_person(rng, patient_id, today)
    if index >= clinic.new_today_from:
        first_visit = today
    else:
        first_visit = today - timedelta(days=rng.randint(-21, clinic.history_days))
    if clinic.history_days > HISTORY_DAYS:  # a long history: ages are drawn for the first visit
        person["birth_date"] -= max(timedelta(0), today - first_visit)
    registered = min(
        datetime.combine(first_visit, time(9)) - timedelta(days=rng.randint(3, 30)), clinic.now
    )
    rows.add("patients", {**person, "created_at": registered, "updated_at": registered})
    rows.extend("patient_search_terms", search_term_rows(patient_id, person))
    _, starts, first_visit = visits.appointment(clinic, rng, patient_id, "evaluation", first_visit)
    if first_visit >= today:
        return  # a new patient: the evaluation is still to come
    _evaluate(clinic, rng, person, starts)


def _evaluate(clinic: Clinic, rng: random.Random, person: dict[str, Any], at: datetime) -> None:
    """The first visit: history, findings, duplex, the engine's screening, maybe a plan."""
    ids, rows, physician = clinic.ids, clinic.rows, clinic.staff["physician"]
    patient_id, day = person["id"], at.date()
    profile = clinical.make_profile(rng, person["sex"], age_on(person["birth_date"], day))
    for table, history in clinical.history_rows(profile, patient_id, ids, day).items():
        rows.extend(table, history)
    findings = clinical.make_findings(rng, ids.peek("vein_findings"))
    ids.advance("vein_findings", len(findings))
    rows.extend(
        "vein_findings", [clinical.finding_row(f, patient_id, at, physician) for f in findings]
    )
    case: dict[str, Any] = {
        "patient": {
            "age_years": age_on(person["birth_date"], day),
            "sex": person["sex"],
            **profile.answers(person["weight_kg"]),
        },
        "findings": [f.case() for f in findings],
        "previous_sessions": [],
        "proposed_date": day.isoformat(),
    }
    larger = any(f.vein_type not in {"telangiectasia", "reticular"} for f in findings)
    if larger and rng.random() < 0.65:
        case["duplex"] = {"performed": True, **_duplex(clinic, rng, patient_id, day)}
    result = evaluate_document(case, clinic.protocol)
    evaluation_id = ids.next("evaluations")
    rows.add(
        "evaluations",
        {
            "id": evaluation_id,
            "patient_id": patient_id,
            "performed_at": at + timedelta(minutes=10),
            "performed_by_id": physician,
            "answers": profile.answers(person["weight_kg"]),
            "decision": result["screening"]["decision"],
            "result": result,
            "protocol_id": result["protocol"]["id"],
            "protocol_version": result["protocol"]["version"],
            "notes": None,
        },
    )
    if visits.goes_ahead(rng, result):
        _plan_and_treat(clinic, rng, person, evaluation_id, at, result, findings)


def _duplex(clinic: Clinic, rng: random.Random, patient_id: int, day: date) -> dict[str, Any]:
    """A duplex scan before a larger vein is planned: its reflux findings, stored and returned."""
    reflux = clinical.make_duplex(rng)
    clinic.rows.add(
        "duplex_findings",
        {
            "id": clinic.ids.next("duplex_findings"),
            "patient_id": patient_id,
            "performed_on": day - timedelta(days=rng.randint(0, 45)),
            **reflux,
            "notes": None,
            "recorded_by_id": clinic.staff["physician"],
        },
    )
    return reflux


def _plan_and_treat(
    clinic: Clinic,
    rng: random.Random,
    person: dict[str, Any],
    evaluation_id: int,
    at: datetime,
    result: dict[str, Any],
    findings: list[clinical.Finding],
) -> None:
    """The plan the engine proposed for the injectable findings, and the treatment course."""
    by_id = {str(f.id): f for f in findings}
    targets = [
        course.Target(by_id[str(item["finding_id"])], item)
        for item in result["plan"]["items"]
        if item.get("technique") in {"liquid", "foam"}
        and item.get("agent")
        and str(item.get("finding_id")) in by_id
    ]
    if targets:
        plan_id = plans.plan(clinic, rng, person, evaluation_id, at, result)
        visits.treat(clinic, rng, person, plan_id, at.date(), result, targets)
