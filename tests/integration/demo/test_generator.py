"""The demo clinic generator writes a realistic clinic that keeps the protocol's own rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from sclero.core.db import make_engine, upgrade_database
from sclero.demo import factories
from sclero.demo.generator import DemoSummary, ensure_demo_users, generate_clinic
from sclero.models import (
    AdverseEvent,
    Appointment,
    Evaluation,
    FollowUp,
    Injection,
    PlanItem,
    RegionClearance,
    TreatmentPlan,
    TreatmentSession,
    metadata,
)
from sclero.reports.filters import ReportFilters
from sclero.reports.report import build_report
from sclero.rules import default_protocol, triage

TODAY = date(2026, 11, 23)
PATIENTS = 50
URGENT_SYMPTOMS = {
    "chest_pain", "breathlessness", "coughing_blood", "calf_pain_swelling", "visual_disturbance",
    "neurological_deficit", "severe_headache", "fainting", "generalised_allergic_reaction",
}  # fmt: skip
CONTENT_TABLES = (
    "patients", "patient_history", "patient_medications", "patient_allergies", "vein_findings",
    "duplex_findings", "evaluations", "treatment_plans", "plan_items", "consents", "appointments",
    "treatment_sessions", "injections", "follow_ups", "region_clearances", "adverse_events",
)  # fmt: skip


def _migrated(path: Path) -> Engine:
    url = f"sqlite:///{path}"
    upgrade_database(url)
    return make_engine(url)


def _generate(engine: Engine, progress: list[int] | None = None) -> DemoSummary:
    with Session(engine) as session:
        return generate_clinic(
            session,
            PATIENTS,
            seed=7,
            today=TODAY,
            progress=None if progress is None else progress.append,
        )


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoSummary]]:
    engine = _migrated(tmp_path_factory.mktemp("demo") / "t.db")
    summary = _generate(engine)
    yield engine, summary
    engine.dispose()


@pytest.fixture
def session(clinic: tuple[Engine, DemoSummary]) -> Iterator[Session]:
    with Session(clinic[0]) as session:
        yield session


def test_every_main_table_gets_rows(clinic: tuple[Engine, DemoSummary]) -> None:
    engine, summary = clinic
    counts = summary.as_dict()
    assert counts["patients"] == PATIENTS
    assert all(value > 0 for value in counts.values()), counts
    with engine.connect() as connection:
        for table in CONTENT_TABLES:
            stored = connection.execute(select(func.count()).select_from(metadata.tables[table]))
            assert stored.scalar_one() == counts[table], table


def test_sessions_stay_within_their_limits(session: Session) -> None:
    for treatment in session.scalars(select(TreatmentSession)):
        limits = treatment.limits
        injections = treatment.injections
        assert 1 <= len(injections) <= 12
        assert sum(i.agent_mg for i in injections) <= limits["max_agent_mg"] + 1e-6
        assert sum(i.volume_ml for i in injections if i.technique == "foam") <= (
            limits["max_foam_ml"] + 1e-6
        )
        assert sum(i.volume_ml for i in injections if i.technique == "liquid") <= (
            limits["max_liquid_ml"] + 1e-6
        )
        assert treatment.status == "closed"
        assert all(treatment.checklist.values())


def test_closed_sessions_keep_what_the_patient_was_told(session: Session) -> None:
    for treatment in session.scalars(select(TreatmentSession)):
        assert treatment.compression and treatment.compression["given"]
        assert treatment.aftercare and all(" " in line for line in treatment.aftercare)


def test_injections_follow_their_plan_item(session: Session) -> None:
    items = {(item.plan_id, item.finding_id): item for item in session.scalars(select(PlanItem))}
    injections = session.execute(
        select(Injection, TreatmentSession.plan_id).join(Injection.session)
    )
    for injection, plan_id in injections:
        item = items[(plan_id, injection.finding_id)]
        assert injection.agent == item.agent
        assert injection.technique == item.technique
        assert (item.concentration_min or 0) <= injection.concentration_percent
        assert item.concentration_max is not None
        assert injection.concentration_percent <= item.concentration_max
        if item.max_volume_per_injection_ml is not None:
            assert injection.volume_ml <= item.max_volume_per_injection_ml + 1e-9
        fraction = 1.0 if injection.technique == "liquid" else 1 / 5
        expected = injection.volume_ml * fraction * injection.concentration_percent * 10
        assert injection.agent_mg == pytest.approx(expected, abs=1e-3)
        assert (injection.liquid_gas_ratio == "1:4") == (injection.technique == "foam")


def test_sessions_of_a_patient_are_at_least_28_days_apart(session: Session) -> None:
    days: dict[int, list[date]] = defaultdict(list)
    for treatment in session.scalars(
        select(TreatmentSession).order_by(TreatmentSession.started_at)
    ):
        days[treatment.patient_id].append(treatment.started_at.date())
    assert any(len(d) > 1 for d in days.values())
    for dates in days.values():
        assert all(b - a >= timedelta(days=28) for a, b in pairwise(dates))
        assert all(d < TODAY for d in dates)


def test_follow_ups_score_clearance_on_the_reference_scale(session: Session) -> None:
    levels = list(session.scalars(select(RegionClearance.level)))
    assert levels
    assert set(levels) <= {0, 1, 2, 3}
    for follow_up in session.scalars(select(FollowUp)):
        assert follow_up.satisfaction in {1, 2, 3, 4, 5}
        assert follow_up.clearances
        treated = session.get(TreatmentSession, follow_up.session_id)
        assert treated is not None
        assert follow_up.performed_on > treated.started_at.date()


def test_adverse_events_are_triaged_like_the_protocol_does(session: Session) -> None:
    events = list(session.scalars(select(AdverseEvent)))
    assert events
    for event in events:
        assert event.triage_level == triage(event.symptoms).level
        if URGENT_SYMPTOMS & set(event.symptoms):
            assert event.triage_level == "urgent_care"
        if {"painful_lump", "skin_ulceration"} & set(event.symptoms):
            assert event.triage_level in {"urgent_care", "contact_clinic"}
        assert event.onset_date < TODAY


def test_the_day_list_is_not_empty(session: Session) -> None:
    starts = list(
        session.scalars(select(Appointment.starts_at).where(Appointment.status == "booked"))
    )
    assert any(s.date() == TODAY for s in starts)
    assert all(s.date() >= TODAY for s in starts)


def test_demo_users_sign_in_with_the_demo_password(session: Session) -> None:
    users = ensure_demo_users(session)
    assert {role for _, _, role in users} == {"physician", "nurse", "front_desk", "admin"}
    for username, password, _ in users:
        stored = session.execute(
            text("SELECT password_hash FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()
        assert PasswordHasher().verify(stored, password)


def _content(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]
            for name in CONTENT_TABLES
            for table in [metadata.tables[name]]
        }


def test_same_seed_gives_the_same_clinic(
    tmp_path: Path, clinic: tuple[Engine, DemoSummary]
) -> None:
    again = _migrated(tmp_path / "again.db")
    progress: list[int] = []
    _generate(again, progress)
    assert progress == [PATIENTS]
    assert _content(again) == _content(clinic[0])
    again.dispose()


def test_a_second_run_adds_to_a_non_empty_database(tmp_path: Path) -> None:
    engine = _migrated(tmp_path / "twice.db")
    first, second = _generate(engine), _generate(engine)
    assert first == second
    with engine.connect() as connection:
        patients = connection.execute(text("SELECT count(*) FROM patients")).scalar_one()
        users = connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    assert (patients, users) == (2 * PATIENTS, 4)
    engine.dispose()


def test_factories_make_a_treatable_patient(tmp_path: Path) -> None:
    engine = _migrated(tmp_path / "factories.db")
    with Session(engine) as session:
        anna = factories.patient(session)
        vein = factories.finding(session, anna)
        screened = factories.evaluation(session, anna, medications=["anticoagulant"])
        plan = factories.approved_plan(session, screened)
        assert anna.mrn == f"SC-{anna.id:06d}"
        assert screened.decision == "eligible_with_precautions"
        assert [item.finding_id for item in plan.items] == [vein.id]
        assert plan.items[0].agent == "polidocanol"
        assert plan.max_agent_mg == 2 * 65
    engine.dispose()


def test_a_plan_approved_past_a_referral_carries_the_physicians_decision(
    session: Session,
) -> None:
    """As the app requires: the referrals and relative contraindications the screening left to
    a physician are named on the approved plan with a written reason (so the demo's next
    sessions can start, and the outcomes report sees how often physicians decided past them)."""
    decided = 0
    for plan in session.scalars(select(TreatmentPlan)):
        evaluation = session.get(Evaluation, plan.evaluation_id)
        assert evaluation is not None
        needed = sorted(evaluation.result["screening"]["needs_physician_decision"])
        assert (plan.physician_decision_codes or []) == needed
        if needed:
            decided += 1
            assert plan.physician_decision_reason and plan.physician_decision_by_id
    assert decided > 0


def test_the_demo_clinic_reaches_the_references_success_band(session: Session) -> None:
    """The outcomes report on the demo clinic finds the success share inside the seeds' 60–80 %
    band (SEED-002), with adverse events after some sessions — a dashboard worth showing."""
    protocol = default_protocol()
    filters = ReportFilters(date_from=TODAY - timedelta(days=4 * 365), date_to=TODAY)
    report = build_report(session.connection(), filters, protocol, TODAY)
    low, high = report.headline.benchmark
    assert report.headline.assessed_regions > 50
    assert low <= (report.headline.success_share or 0) <= high
    assert report.tables["adverse_events"].rows


def test_the_demo_clinics_audit_log_is_one_intact_chain(clinic: tuple[Engine, DemoSummary]) -> None:
    from sclero.core.audit import verify_chain

    with clinic[0].connect() as connection:
        checked, broken = verify_chain(connection)
    assert broken is None
    assert checked > 0
