"""The outcomes report from the summary tables gives exactly the figures of the live tables: on
the known clinic for every filter, after each kind of edit (kept in step in the edit's own
transaction, no rebuild), and after random sequences of edits drawn by hypothesis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sclero.adverse_events.models import AdverseEvent
from sclero.charting.models import Injection, TreatmentSession
from sclero.core import auth
from sclero.core.db import Database
from sclero.follow_up.models import FollowUp, RegionClearance
from sclero.planning.models import TreatmentPlan
from sclero.reports import service, summary
from sclero.reports.filters import ReportFilters
from sclero.reports.report import build_report
from sclero.rules import default_protocol
from sclero.scheduling.models import Appointment
from tests.factories.reports import D0, TODAY, KnownClinic

ALL = ReportFilters(date_from=date(2025, 1, 1), date_to=TODAY)
SUCCESS_LEVEL = default_protocol().spec.clearance_scale.success_level
FILTERS = [
    ALL,
    replace(ALL, technique="foam"),
    replace(ALL, vein_type="reticular"),
    replace(ALL, region="leg_medial"),
    replace(ALL, agent="sodium_tetradecyl_sulfate"),
    replace(ALL, concentration_min=0.9, concentration_max=1.0),
    replace(ALL, sessions=1),
    replace(ALL, sessions=2),
    replace(ALL, date_to=D0),
    replace(ALL, date_from=D0 + timedelta(days=1)),
    replace(ALL, vein_type="reticular", sessions=1, technique="liquid"),
]


def documents(session: Session, filters: ReportFilters) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's document from the live tables and from the summary (without the line that
    says which it came from)."""
    connection = session.connection()
    built = summary.state(connection)
    assert built is not None
    protocol = default_protocol()
    live = build_report(connection, filters, protocol, TODAY).to_document()
    kept = build_report(
        connection, filters, protocol, TODAY, summary_rebuilt_at=built.rebuilt_at
    ).to_document()
    assert (live.pop("computed_from"), kept.pop("computed_from")) == ("live", "summary")
    live.pop("summary_rebuilt_at"), kept.pop("summary_rebuilt_at")
    return live, kept


def assert_same(session: Session, filters: list[ReportFilters] = FILTERS) -> None:
    for wanted in filters:
        live, kept = documents(session, wanted)
        assert kept == live, wanted


@pytest.fixture
def built(session: Session, known: KnownClinic) -> KnownClinic:
    """The known clinic (a Core bulk load) with its summary rebuilt, as after `sclero demo`."""
    summary.rebuild(session.connection(), SUCCESS_LEVEL)
    session.commit()
    return known


def test_the_summary_gives_the_live_figures_for_every_filter(
    session: Session, built: KnownClinic
) -> None:
    assert_same(session, [*FILTERS, replace(ALL, clinician_id=built.nurse_id)])
    headline = documents(session, ALL)[1]["headline"]
    assert (headline["sessions"], headline["treated_regions"], headline["successes"]) == (5, 5, 2)


def test_before_the_first_rebuild_the_report_reads_the_live_tables(
    db: Database, users: dict[str, auth.User], known: KnownClinic
) -> None:
    with db.uow(users["physician"].as_actor()) as uow:
        report = service.outcomes_report(uow, ALL)
    assert report.summary is None and report.headline.sessions == 5


def test_the_service_reads_the_summary_once_built_and_says_when_it_was_rebuilt(
    db: Database, users: dict[str, auth.User], built: KnownClinic
) -> None:
    with db.uow(users["physician"].as_actor()) as uow:
        report = service.outcomes_report(uow, ALL)
    assert report.summary is not None and report.headline.sessions == 5
    assert report.to_document()["computed_from"] == "summary"


def _session(session: Session, built: KnownClinic, key: str) -> TreatmentSession:
    return session.get_one(TreatmentSession, built.sessions[key])


def _clearance_change(session: Session, built: KnownClinic) -> None:
    """Clara's late follow-up now finds her knee cleared."""
    clearance = session.scalars(
        select(RegionClearance).where(RegionClearance.region == "knee_posterior")
    ).one()
    clearance.level = 3


def _session_reopened(session: Session, built: KnownClinic) -> None:
    """Berta's second session was closed by mistake: open again, it counts nowhere."""
    _session(session, built, "s2b").status = "open"


def _session_moved(session: Session, built: KnownClinic) -> None:
    """Dora's session was charted on the wrong day and by the wrong clinician."""
    moved = _session(session, built, "s5")
    moved.started_at = datetime.combine(D0 + timedelta(days=3), time(9))
    moved.performed_by_id = built.physician_id


def _injection_corrected(session: Session, built: KnownClinic) -> None:
    """Clara's foam injection is voided and charted again as liquid STS elsewhere."""
    wrong = session.scalars(
        select(Injection).where(Injection.technique == "foam").order_by(Injection.id)
    ).first()
    assert wrong is not None
    wrong.voided_at = datetime.combine(D0, time(11))
    wrong.void_reason = "charting error"
    session.add(
        Injection(
            session_id=wrong.session_id,
            side="right",
            region="leg_lateral",
            vein_type="reticular",
            agent="sodium_tetradecyl_sulfate",
            concentration_percent=0.2,
            volume_ml=0.5,
            technique="liquid",
            agent_mg=1.0,
            replaces_id=wrong.id,
        )
    )


def _adverse_event_added(session: Session, built: KnownClinic) -> None:
    session.add(
        AdverseEvent(
            patient_id=built.patients["dora"],
            session_id=built.sessions["s5"],
            event_type="matting",
            symptoms=[],
            triage_level="routine",
            onset_date=D0 + timedelta(days=60),
            severity="moderate",
            status="open",
        )
    )


def _follow_up_added(session: Session, built: KnownClinic) -> None:
    """Dora is seen at last: no longer lost to follow-up, her region scored."""
    follow_up = FollowUp(
        patient_id=built.patients["dora"],
        session_id=built.sessions["s5"],
        performed_on=D0 + timedelta(days=70),
        satisfaction=2,
    )
    session.add(follow_up)
    session.flush()
    session.add(
        RegionClearance(follow_up_id=follow_up.id, side="left", region="leg_lateral", level=3)
    )


def _follow_up_removed(session: Session, built: KnownClinic) -> None:
    first = session.scalars(select(FollowUp).order_by(FollowUp.id)).first()
    assert first is not None
    for clearance in session.scalars(
        select(RegionClearance).where(RegionClearance.follow_up_id == first.id)
    ):
        session.delete(clearance)
    session.delete(first)


def _booked(session: Session, built: KnownClinic) -> None:
    session.add(
        Appointment(
            patient_id=built.patients["dora"],
            kind="follow_up",
            status="booked",
            starts_at=datetime.combine(TODAY + timedelta(days=7), time(10)),
        )
    )


def _decision_changed(session: Session, built: KnownClinic) -> None:
    plan = session.scalars(
        select(TreatmentPlan).where(TreatmentPlan.patient_id == built.patients["anna"])
    ).one()
    plan.physician_decision_codes = ["oral_contraceptive"]


EDITS = {
    "clearance_change": _clearance_change,
    "session_reopened": _session_reopened,
    "session_moved": _session_moved,
    "injection_corrected": _injection_corrected,
    "adverse_event_added": _adverse_event_added,
    "follow_up_added": _follow_up_added,
    "follow_up_removed": _follow_up_removed,
    "booked": _booked,
    "decision_changed": _decision_changed,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_edit_keeps_the_summary_exact_in_its_own_transaction(
    session: Session, built: KnownClinic, edit: str
) -> None:
    before = documents(session, ALL)[0]
    EDITS[edit](session, built)
    session.commit()
    live, kept = documents(session, ALL)
    assert live != before, "the edit changes a figure"
    assert kept == live
    assert_same(session)


def test_an_edit_rolled_back_leaves_the_summary_as_it_was(
    session: Session, built: KnownClinic
) -> None:
    _clearance_change(session, built)
    session.flush()
    session.rollback()
    assert_same(session, [ALL])


def test_a_region_given_twice_in_one_session_counts_that_session_once(
    session: Session, built: KnownClinic
) -> None:
    for value in range(3):
        first = session.scalars(select(Injection).order_by(Injection.id)).first()
        assert first is not None
        session.add(_another_into_the_same_region(first, value))
        session.commit()
    assert_same(session, [ALL, replace(ALL, technique="foam"), replace(ALL, sessions=1)])
    live, kept = documents(session, ALL)
    assert kept["tables"]["clearance_by_sessions"] == live["tables"]["clearance_by_sessions"]


# --- random sequences of edits ------------------------------------------------------------


def _random_edit(session: Session, built: KnownClinic, kind: int, pick: int, value: int) -> None:
    """One edit drawn by hypothesis; its target is the `pick`-th row of what exists now."""

    def nth(model: Any) -> Any:
        rows = session.scalars(select(model).order_by(model.id)).all()
        return rows[pick % len(rows)] if rows else None

    if kind == 0 and (clearance := nth(RegionClearance)) is not None:
        clearance.level = value % 4
    elif kind == 1 and (row := nth(TreatmentSession)) is not None:
        row.status = "closed" if value % 3 else "open"
        row.started_at = datetime.combine(D0 + timedelta(days=value % 90), time(9))
    elif kind == 2 and (injection := nth(Injection)) is not None:
        injection.voided_at = None if value % 2 else datetime.combine(D0, time(12))
        injection.override_reason = "Discussed with the patient" if value % 3 == 0 else None
    elif kind == 3 and (row := nth(TreatmentSession)) is not None:
        session.add(
            AdverseEvent(
                patient_id=row.patient_id,
                session_id=row.id,
                event_type=("matting", "local_reaction", "hyperpigmentation")[value % 3],
                symptoms=[],
                triage_level="routine",
                onset_date=D0 + timedelta(days=value % 60),
                severity=("mild", "moderate", "severe")[value % 3],
                status="open",
            )
        )
    elif kind == 4 and (row := nth(TreatmentSession)) is not None:
        follow_up = FollowUp(
            patient_id=row.patient_id,
            session_id=row.id,
            performed_on=D0 + timedelta(days=value % 100),
            satisfaction=1 + value % 5,
        )
        session.add(follow_up)
        session.flush()
        side_region = session.execute(
            select(Injection.side, Injection.region).where(Injection.session_id == row.id)
        ).first()
        if side_region is not None:
            session.add(
                RegionClearance(
                    follow_up_id=follow_up.id,
                    side=side_region.side,
                    region=side_region.region,
                    level=value % 4,
                )
            )
    elif kind == 5 and (row := nth(TreatmentSession)) is not None:
        session.add(
            Injection(
                session_id=row.id,
                side=("left", "right")[value % 2],
                region=("thigh_medial", "leg_lateral", "knee_posterior")[value % 3],
                vein_type=("telangiectasia", "reticular", "varicose")[value % 3],
                agent=("polidocanol", "sodium_tetradecyl_sulfate")[value % 2],
                concentration_percent=(0.25, 0.5, 1.0)[value % 3],
                volume_ml=0.1 * (1 + value % 10),
                technique=("liquid", "foam")[value % 2],
                agent_mg=0.5 * (1 + value % 7),
            )
        )

    elif kind == 6 and (given := nth(Injection)) is not None:
        session.add(_another_into_the_same_region(given, value))


def _another_into_the_same_region(given: Injection, value: int) -> Injection:
    """A second injection into a region the session already treated, of another agent and
    concentration: the region's facts grow, its sessions must not."""
    return Injection(
        session_id=given.session_id,
        side=given.side,
        region=given.region,
        vein_type=("telangiectasia", "reticular")[value % 2],
        agent=("polidocanol", "sodium_tetradecyl_sulfate")[(value // 2) % 2],
        concentration_percent=(0.3, 0.75)[value % 2],
        volume_ml=0.2,
        technique=("liquid", "foam")[(value // 4) % 2],
        agent_mg=0.6,
    )


EDIT = st.tuples(st.integers(0, 6), st.integers(0, 50), st.integers(0, 1000))


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=st.lists(EDIT, min_size=1, max_size=6))
def test_random_edit_sequences_keep_the_summary_exact(
    session: Session, built: KnownClinic, edits: list[tuple[int, int, int]]
) -> None:
    """Edits accumulate over the examples (one test transaction); after each committed edit
    the summary answers every filter as the live tables do."""
    for kind, pick, value in edits:
        _random_edit(session, built, kind, pick, value)
        session.commit()
        assert_same(session, FILTERS[:4])
