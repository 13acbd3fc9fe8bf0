"""The bulk-written demo clinic (COPY on PostgreSQL, executemany on SQLite) holds what the app's
own writes guarantee: search terms as the patients' flush hook writes them, versions, one intact
audit chain, sessions within their limits and intervals, and the sizes asked for — on the test
database of the run (SQLite, or PostgreSQL via SCLERO_TEST_DATABASE_URL)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sclero.core.audit import verify_chain
from sclero.core.db import Actor, Database
from sclero.demo.generator import DemoSummary, generate_clinic
from sclero.models import Injection, Patient, TreatmentSession, metadata
from sclero.patients.models import PatientSearchTerm
from sclero.patients.service import search_patients

TODAY = date(2026, 11, 23)
PATIENTS = 200
SESSIONS = 2000  # ten per patient: patients come back for further courses
FRONT_DESK = Actor(user_id=None, username="test-front-desk", role="front_desk", address="local")


@pytest.fixture
def clinic(db: Database) -> tuple[Database, DemoSummary]:
    with db.sessions() as session:
        summary = generate_clinic(session, PATIENTS, seed=3, today=TODAY, sessions=SESSIONS)
    return db, summary


@pytest.fixture
def session(clinic: tuple[Database, DemoSummary]) -> Iterator[Session]:
    with clinic[0].sessions() as session:
        yield session


def test_the_tables_hold_what_the_summary_counts(
    clinic: tuple[Database, DemoSummary], session: Session
) -> None:
    counts = clinic[1].as_dict()
    assert counts["patients"] == PATIENTS
    assert abs(counts["treatment_sessions"] - SESSIONS) <= 0.1 * SESSIONS
    assert 2 * counts["treatment_sessions"] <= counts["injections"]
    for table, count in counts.items():
        if table != "users":
            stored = session.scalar(select(func.count()).select_from(metadata.tables[table]))
            assert stored == count, table


def _terms(session: Session, patient_id: int) -> list[tuple[str, str, bool]]:
    rows = session.scalars(
        select(PatientSearchTerm).where(PatientSearchTerm.patient_id == patient_id)
    )
    return sorted((t.kind, t.term, t.whole_word) for t in rows)


def test_search_terms_are_the_ones_the_apps_own_writes_make(session: Session) -> None:
    generated = session.scalars(select(Patient).order_by(Patient.id).limit(25)).all()
    for patient in generated:
        bulk = _terms(session, patient.id)
        name = patient.first_name
        patient.first_name = "Renamed"
        session.flush()
        patient.first_name = name
        session.flush()  # the flush hook indexes the patient again, as any page's change does
        assert bulk == _terms(session, patient.id) != []
    session.rollback()
    assert set(session.scalars(select(Patient.version))) == {1}


def test_search_finds_a_generated_patient_by_a_folded_name(
    clinic: tuple[Database, DemoSummary],
) -> None:
    database = clinic[0]
    with database.sessions() as session:
        accented = session.scalars(
            select(Patient).where(Patient.last_name.in_(("Müller", "García", "Dubois")))
        ).first()
    assert accented is not None
    folded = {"Müller": "muller", "García": "garcia", "Dubois": "DUBOIS"}[accented.last_name]
    with database.uow(FRONT_DESK) as uow:
        found, total = search_patients(uow, q=f"{accented.first_name} {folded}", limit=200)
    assert accented.id in {p.id for p in found}
    assert total >= 1


def test_every_session_keeps_its_limits_and_the_interval(session: Session) -> None:
    days: dict[int, list[date]] = defaultdict(list)
    for treatment in session.scalars(
        select(TreatmentSession).order_by(TreatmentSession.started_at)
    ):
        injections = session.scalars(
            select(Injection).where(Injection.session_id == treatment.id)
        ).all()
        limits = treatment.limits
        assert 1 <= len(injections) <= 12
        assert sum(i.agent_mg for i in injections) <= limits["max_agent_mg"] + 1e-6
        foam = sum(i.volume_ml for i in injections if i.technique == "foam")
        liquid = sum(i.volume_ml for i in injections if i.technique == "liquid")
        assert foam <= limits["max_foam_ml"] + 1e-6
        assert liquid <= limits["max_liquid_ml"] + 1e-6
        days[treatment.patient_id].append(treatment.started_at.date())
    assert max(len(d) for d in days.values()) > 3  # further courses after the first
    for dates in days.values():
        assert all(b - a >= timedelta(days=28) for a, b in pairwise(dates))
        assert all(d < TODAY for d in dates)


def test_a_long_history_keeps_every_patient_born_before_the_first_visit(
    session: Session,
) -> None:
    first = dict(
        session.execute(
            select(TreatmentSession.patient_id, func.min(TreatmentSession.started_at)).group_by(
                TreatmentSession.patient_id
            )
        ).all()
    )
    for patient in session.scalars(select(Patient).where(Patient.id.in_(list(first)))):
        age = (first[patient.id].date() - patient.birth_date).days / 365.25
        assert 13 <= age < 90


def test_the_audit_chain_holds_after_the_bulk_load(clinic: tuple[Database, DemoSummary]) -> None:
    # A session of its own, left open: the streamed walk changes its connection's options.
    checked, broken = verify_chain(clinic[0].sessions().connection())
    assert broken is None
    assert checked > 0
