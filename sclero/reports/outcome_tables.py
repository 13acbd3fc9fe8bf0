"""The report's tables on what treatment achieved and what it cost the patient: success against
the benchmark band, clearance by sessions, time to success, sessions per patient, adverse events
beside the reference's published rates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sclero.reports import queries
from sclero.reports.headline import Headline, Runner
from sclero.reports.stats import kaplan_meier, share, wilson
from sclero.reports.tables import ReportTable, columns
from sclero.rules import Protocol
from sclero.rules.vocabulary import label_of


def success_row(group: str, row: Mapping[str, Any]) -> dict[str, Any]:
    assessed, successes = int(row["assessed"]), int(row["successes"])
    low, high = wilson(successes, assessed) or (None, None)
    return {
        "group": group,
        "regions": int(row["regions"]),
        "assessed": assessed,
        "successes": successes,
        "success_share": share(successes, assessed),
        "ci_low_share": low,
        "ci_high_share": high,
    }


def success_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    scale = protocol.spec.clearance_scale
    rows = [success_row("All treated regions", run("success")[0])]
    for name, what in (("vein_type", "Vein"), ("technique", "Technique"), ("agent", "Agent")):
        for row in run(f"success_by_{name}"):
            rows.append(success_row(f"{what}: {label_of(str(row['dimension']))}", row))
    return ReportTable(
        key="success",
        title="Treated regions reaching success",
        caption=(
            "Share of treated regions scored at a follow-up that reached the protocol's success "
            "level at best, with 95 % Wilson intervals; the band is the clinic benchmark."
        ),
        columns=columns(
            ("group", "Group"),
            ("regions", "Treated regions"),
            ("assessed", "Scored at follow-up"),
            ("successes", "Successes"),
            ("success_share", "Success"),
            ("ci_low_share", "95 % CI from"),
            ("ci_high_share", "95 % CI to"),
        ),
        rows=rows,
        sources=(*scale.success_sources, *scale.benchmark_sources),
    )


def clearance_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = []
    for row in run("clearance_by_sessions"):
        sessions = int(row["sessions"])
        rows.append(
            {
                "sessions": f"{sessions} or more"
                if sessions >= queries.SESSION_GROUPS
                else str(sessions),
                "regions": int(row["regions"]),
                "assessed": int(row["assessed"]),
                **{f"level_{n}": int(row[f"level_{n}"]) for n in range(4)},
                "success_share": share(row["successes"], row["assessed"]),
            }
        )
    return ReportTable(
        key="clearance_by_sessions",
        title="Clearance by sessions received",
        caption=(
            "Treated regions by the number of sessions they received, with the best clearance "
            f"level scored (level {headline.success_level} = {headline.success_label})."
        ),
        columns=columns(
            ("sessions", "Sessions"),
            ("regions", "Regions"),
            ("assessed", "Scored"),
            ("level_0", "Level 0"),
            ("level_1", "Level 1"),
            ("level_2", "Level 2"),
            ("level_3", "Level 3"),
            ("success_share", "Success"),
        ),
        rows=rows,
    )


def time_to_success_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    steps = run("time_to_success")
    curve = kaplan_meier((int(r["week"]), int(r["events"]), int(r["at_risk"])) for r in steps)
    rows = [
        {
            "week": int(r["week"]),
            "at_risk": int(r["at_risk"]),
            "events": int(r["events"]),
            "censored": int(r["censored"]),
            "not_cleared_share": survival,
        }
        for r, (_, survival) in zip(steps, curve, strict=True)
    ]
    return ReportTable(
        key="time_to_success",
        title="Regions not yet cleared over time",
        caption=(
            "Kaplan–Meier estimate of the share of scored regions not yet at success, by weeks "
            "since their first session; a region last scored below success leaves the risk set "
            "(censored) at its last follow-up."
        ),
        columns=columns(
            ("week", "Week"),
            ("at_risk", "At risk"),
            ("events", "Reached success"),
            ("censored", "Censored"),
            ("not_cleared_share", "Not yet cleared"),
        ),
        rows=rows,
    )


def sessions_per_patient_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = [
        {
            "sessions": int(r["sessions"]),
            "patients": int(r["patients"]),
            "patients_share": share(r["patients"], headline.patients),
        }
        for r in run("sessions_per_patient")
    ]
    return ReportTable(
        key="sessions_per_patient",
        title="Sessions per patient",
        caption="Patients by the number of sessions they received in the period.",
        columns=columns(
            ("sessions", "Sessions"), ("patients", "Patients"), ("patients_share", "Share")
        ),
        rows=rows,
    )


def published_rates(protocol: Protocol) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Per event type, the reference's frequency after liquid and foam, in words with the
    range they stand for, and the sources."""
    spec = protocol.spec.adverse_events
    words = {w.code: w.meaning for w in spec.frequency_words}
    rates = {}
    for event in spec.events:
        parts = []
        for technique in ("liquid", "foam"):
            word = getattr(event, technique)
            if word:
                parts.append(f"{technique}: {label_of(word).lower()} ({words.get(word, word)})")
        rates[event.code] = ("; ".join(parts) or event.label, tuple(event.sources))
    return rates


def adverse_events_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rates = published_rates(protocol)
    rows, sources = [], set[str]()
    for r in run("adverse_events"):
        published, cited = rates.get(str(r["event_type"]), ("—", ()))
        sources.update(cited)
        rows.append(
            {
                "code": str(r["event_type"]),  # not a column: the drill-down's link
                "event_type": label_of(str(r["event_type"])),
                "severity": str(r["severity"]).capitalize(),
                "events": int(r["events"]),
                "patients": int(r["patients"]),
                "per_session_share": share(r["events"], headline.sessions),
                "per_patient_share": share(r["patients"], headline.patients),
                "mean_onset_days": None
                if r["mean_onset_days"] is None
                else float(r["mean_onset_days"]),
                "published": published,
                "sources": ", ".join(cited),
            }
        )
    return ReportTable(
        key="adverse_events",
        title="Adverse events",
        caption=(
            "Events after the sessions of the period by type and severity: per session, per "
            "patient, days to onset; beside them the reference's published frequency."
        ),
        columns=columns(
            ("event_type", "Event"),
            ("severity", "Severity"),
            ("events", "Events"),
            ("patients", "Patients"),
            ("per_session_share", "Per session"),
            ("per_patient_share", "Per patient"),
            ("mean_onset_days", "Mean days to onset"),
            ("published", "Published frequency"),
            ("sources", "Sources"),
        ),
        rows=rows,
        sources=tuple(sorted(sources)),
    )


def event_outcomes_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = [
        {
            "event_type": label_of(str(r["event_type"])),
            "outcome": label_of(str(r["outcome"])),
            "events": int(r["events"]),
        }
        for r in run("adverse_event_outcomes")
    ]
    return ReportTable(
        key="adverse_event_outcomes",
        title="Adverse event outcomes",
        caption="Events after the sessions of the period by type and recorded outcome.",
        columns=columns(("event_type", "Event"), ("outcome", "Outcome"), ("events", "Events")),
        rows=rows,
    )
