"""Every figure of the outcomes report against the known clinic (tests/factories/reports.py):
exact counts, computed in the database, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.orm import Session

from sclero.reports.filters import ReportFilters
from sclero.reports.report import OutcomesReport, build_report
from sclero.rules import default_protocol
from sclero.rules.protocol import Protocol
from tests.factories.reports import D0, TODAY, KnownClinic

ALL = ReportFilters(date_from=date(2025, 1, 1), date_to=TODAY)


def report(session: Session, filters: ReportFilters = ALL) -> OutcomesReport:
    return build_report(session.connection(), filters, default_protocol(), TODAY)


def rows(result: OutcomesReport, table: str) -> list[dict[str, object]]:
    return result.tables[table].rows


def test_headline_counts_success_of_scored_regions_with_a_wilson_interval(
    session: Session, known: KnownClinic
) -> None:
    headline = report(session).headline
    assert (headline.sessions, headline.patients, headline.foam_sessions) == (5, 4, 1)
    assert (headline.treated_regions, headline.assessed_regions, headline.successes) == (5, 3, 2)
    assert headline.success_share == pytest.approx(2 / 3)
    low, high = headline.success_ci or (0, 0)
    assert low == pytest.approx(0.2077, abs=1e-4) and high == pytest.approx(0.9385, abs=1e-4)
    assert headline.benchmark == (0.6, 0.8)
    assert (headline.lost_to_follow_up, headline.interval_overrides, headline.limit_overrides) == (
        1,
        1,
        1,
    )


def test_success_by_vein_type_technique_and_agent(session: Session, known: KnownClinic) -> None:
    found = {
        r["group"]: (r["regions"], r["assessed"], r["successes"])
        for r in rows(report(session), "success")
    }
    assert found == {
        "All treated regions": (5, 3, 2),
        "Vein: Reticular": (2, 1, 1),
        "Vein: Telangiectasia": (2, 1, 1),
        "Vein: Varicose": (1, 1, 0),
        "Technique: Foam": (1, 1, 0),
        "Technique: Liquid": (4, 2, 2),
        "Agent: Polidocanol": (4, 3, 2),
        "Agent: Sodium tetradecyl sulfate (STS)": (1, 0, 0),
    }


def test_clearance_by_sessions_received(session: Session, known: KnownClinic) -> None:
    found = [
        (r["sessions"], r["regions"], r["assessed"], r["level_2"], r["level_3"])
        for r in rows(report(session), "clearance_by_sessions")
    ]
    assert found == [("1", 4, 2, 1, 1), ("2", 1, 1, 0, 1)]


def test_regions_not_yet_cleared_follow_kaplan_meier(session: Session, known: KnownClinic) -> None:
    found = [
        (r["week"], r["at_risk"], r["events"], r["censored"], r["not_cleared_share"])
        for r in rows(report(session), "time_to_success")
    ]
    assert found == [
        (4, 3, 1, 0, pytest.approx(2 / 3)),
        (7, 2, 0, 1, pytest.approx(2 / 3)),
        (9, 1, 1, 0, 0.0),
    ]


def test_sessions_per_patient(session: Session, known: KnownClinic) -> None:
    found = [(r["sessions"], r["patients"]) for r in rows(report(session), "sessions_per_patient")]
    assert found == [(1, 3), (2, 1)]


def test_adverse_events_per_session_and_patient_with_published_frequency(
    session: Session, known: KnownClinic
) -> None:
    found = {r["event_type"]: r for r in rows(report(session), "adverse_events")}
    local = found["Local reaction"]
    assert (local["events"], local["patients"], local["mean_onset_days"]) == (2, 2, 2.0)
    assert local["per_session_share"] == pytest.approx(2 / 5)
    assert local["per_patient_share"] == pytest.approx(2 / 4)
    hyper = found["Hyperpigmentation"]
    assert (hyper["events"], hyper["mean_onset_days"]) == (1, 20.0)
    assert hyper["published"] == "liquid: frequent (1–10 %); foam: frequent (1–10 %)"
    assert hyper["sources"] == "DGP2020"


def test_limit_use_bands_and_overrides(session: Session, known: KnownClinic) -> None:
    result = report(session)
    foam = next(r for r in rows(result, "limit_use") if r["limit"].startswith("Foam"))
    assert (foam["sessions"], foam["band_3"], foam["over"]) == (1, 1, 0)
    assert foam["max_share"] == pytest.approx(0.95)
    assert [(r["clinician"], r["injections"]) for r in rows(result, "overrides")] == [
        ("Test physician", 1)
    ]
    assert rows(result, "override_reasons") == [
        {"reason": "Extensive reticular network; discussed", "injections": 1}
    ]
    assert rows(result, "interval_overrides") == [
        {"reason": "Travelling abroad for months", "sessions": 1}
    ]


def test_operational_figures(session: Session, known: KnownClinic) -> None:
    result = report(session)
    months = {r["month"]: r["sessions"] for r in rows(result, "sessions_per_month")}
    assert months == {"2026-01": 3, "2026-02": 2}
    january = rows(result, "appointments")[0]
    assert (january["total"], january["no_show"], january["cancelled"]) == (3, 1, 1)
    follow_ups = {r["status"]: r["sessions"] for r in rows(result, "follow_ups")}
    assert follow_ups == {"On time": 3, "Late": 1, "Overdue, not seen": 1, "Not yet due": 0}
    scores = {r["score"]: r["follow_ups"] for r in rows(result, "satisfaction")}
    assert scores == {1: 0, 2: 0, 3: 1, 4: 2, 5: 1}


def test_protocol_against_reality(session: Session, known: KnownClinic) -> None:
    found = {r["code"]: (r["fired"], r["overridden"]) for r in rows(report(session), "protocol")}
    assert found == {
        "history_dvt": (2, 1),
        "duplex_before_treatment": (1, 0),
        "oral_contraceptive": (1, 0),
        "session_limits": (None, 1),
        "interval": (None, 1),
    }


@pytest.mark.parametrize(
    ("change", "sessions", "regions"),
    [
        ({"technique": "foam"}, 1, 1),
        ({"vein_type": "reticular"}, 3, 2),
        ({"region": "leg_medial"}, 2, 1),
        ({"agent": "sodium_tetradecyl_sulfate"}, 1, 1),
        ({"concentration_min": 0.9, "concentration_max": 1.0}, 3, 2),
        ({"sessions": 2}, 2, 1),
        ({"date_to": D0}, 3, 4),
    ],
)
def test_filters_narrow_sessions_and_regions(
    session: Session, known: KnownClinic, change: dict[str, object], sessions: int, regions: int
) -> None:
    headline = report(session, replace(ALL, **change)).headline  # type: ignore[arg-type]
    assert (headline.sessions, headline.treated_regions) == (sessions, regions)


def test_clinician_filter(session: Session, known: KnownClinic) -> None:
    headline = report(session, replace(ALL, clinician_id=known.nurse_id)).headline
    assert (headline.sessions, headline.patients) == (1, 1)


@pytest.mark.parametrize(("grace", "on_time", "late"), [(21, 3, 1), (22, 4, 0)])
def test_the_protocol_says_how_late_a_follow_up_may_be(
    session: Session, known: KnownClinic, grace: int, on_time: int, late: int
) -> None:
    """Clara's follow-up came 50 days after her session: 28 due + 22 grace is still on time."""
    default = default_protocol()
    settings = default.spec.settings.model_copy(update={"follow_up_grace_days": grace})
    protocol = Protocol(default.spec.model_copy(update={"settings": settings}), default.path)
    result = build_report(session.connection(), ALL, protocol, TODAY)
    follow_ups = {r["status"]: r["sessions"] for r in rows(result, "follow_ups")}
    assert (follow_ups["On time"], follow_ups["Late"]) == (on_time, late)
    assert f"plus {grace} days" in result.tables["follow_ups"].caption
