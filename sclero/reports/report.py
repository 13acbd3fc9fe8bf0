"""The clinic outcomes report: every aggregate run once in the database, shaped into tables
with the protocol's success definition, benchmark band and published event rates beside them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping

from sclero.reports import queries, summary_queries
from sclero.reports.filters import ReportFilters
from sclero.reports.scope import Scope
from sclero.reports.stats import kaplan_meier, share, wilson
from sclero.reports.tables import ReportTable, columns
from sclero.rules import Protocol
from sclero.rules.vocabulary import label_of

LIMIT_LABELS = {
    "agent_mg": "Agent dose (mg) of the session's limit",
    "foam_ml": "Foam volume (mL) of the session's limit",
    "liquid_ml": "Liquid volume (mL) of the session's limit",
}
FOLLOW_UP_LABELS = {
    "on_time": "On time",
    "late": "Late",
    "missing": "Overdue, not seen",
    "not_yet_due": "Not yet due",
}
SATISFACTION_LABELS = {1: "Very unhappy", 2: "Unhappy", 3: "Neutral", 4: "Happy", 5: "Very happy"}
STATUSES = ("done", "no_show", "cancelled", "booked", "arrived")


@dataclass(frozen=True)
class Headline:
    """The report's first figures: how many treated, and the success share against the band."""

    sessions: int
    patients: int
    foam_sessions: int
    treated_regions: int
    assessed_regions: int
    successes: int
    success_share: float | None
    success_ci: tuple[float, float] | None
    benchmark: tuple[float, float]
    success_level: int
    success_label: str
    lost_to_follow_up: int
    interval_overrides: int
    limit_overrides: int

    def to_document(self) -> dict[str, Any]:
        low, high = self.success_ci or (None, None)
        return {
            "sessions": self.sessions,
            "patients": self.patients,
            "foam_sessions": self.foam_sessions,
            "treated_regions": self.treated_regions,
            "assessed_regions": self.assessed_regions,
            "successes": self.successes,
            "success_share": self.success_share,
            "success_ci_low_share": low,
            "success_ci_high_share": high,
            "benchmark_low_share": self.benchmark[0],
            "benchmark_high_share": self.benchmark[1],
            "success_level": self.success_level,
            "success_definition": self.success_label,
            "lost_to_follow_up": self.lost_to_follow_up,
            "lost_to_follow_up_share": share(self.lost_to_follow_up, self.patients),
            "interval_overrides": self.interval_overrides,
            "limit_override_injections": self.limit_overrides,
        }


@dataclass(frozen=True)
class SummaryUse:
    """The report came from the summary tables, kept in step with every change and last
    rebuilt from nothing at `rebuilt_at` (UTC, ISO 8601)."""

    rebuilt_at: str


@dataclass(frozen=True)
class OutcomesReport:
    filters: ReportFilters
    protocol_id: str
    protocol_version: str
    headline: Headline
    tables: dict[str, ReportTable]
    sources: dict[str, str]  # source id → citation, for every id the report names
    summary: SummaryUse | None = None  # None: computed from the live tables

    def to_document(self) -> dict[str, Any]:
        return {
            "filters": self.filters.as_dict(),
            "computed_from": "summary" if self.summary else "live",
            "summary_rebuilt_at": None if self.summary is None else self.summary.rebuilt_at,
            "protocol": {"id": self.protocol_id, "version": self.protocol_version},
            "headline": self.headline.to_document(),
            "tables": {key: table.to_document() for key, table in self.tables.items()},
            "sources": self.sources,
        }


Runner = Callable[[str], list[Mapping[str, Any]]]


def build_report(
    connection: Connection,
    filters: ReportFilters,
    protocol: Protocol,
    today: date,
    progress: Callable[[str], None] | None = None,
    only: Collection[str] | None = None,
    *,
    summary_rebuilt_at: datetime | None = None,
) -> OutcomesReport:
    """Run the aggregates for `filters` on `connection` and shape the report (every table, or
    the tables named in `only`; the headline always). `progress` hears each aggregate's name.
    With `summary_rebuilt_at` the aggregates read the summary tables, else the live ones."""
    scale = protocol.spec.clearance_scale
    scope = Scope(
        filters=filters,
        dialect=connection.dialect.name,
        success_level=scale.success_level,
        follow_up_days=protocol.follow_up_days,
        today=today,
    )

    aggregates = queries.AGGREGATES if summary_rebuilt_at is None else summary_queries.AGGREGATES
    done: dict[str, list[Mapping[str, Any]]] = {}

    def run(name: str) -> list[Mapping[str, Any]]:
        if name in done:
            return done[name]
        rows = [_plain(row) for row in connection.execute(aggregates[name](scope)).mappings()]
        if progress is not None:
            progress(name)
        done[name] = rows
        return rows

    used = None
    if summary_rebuilt_at is not None:
        used = SummaryUse(summary_rebuilt_at.replace(microsecond=0).isoformat() + "+00:00")
    return replace(_shape(run, filters, protocol, only), summary=used)


def _plain(row: RowMapping) -> Mapping[str, Any]:
    """Database numbers as Python ints and floats (PostgreSQL sums and averages are Decimal)."""
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in row.items()}


def _shape(
    run: Runner, filters: ReportFilters, protocol: Protocol, only: Collection[str] | None
) -> OutcomesReport:
    scale = protocol.spec.clearance_scale
    totals = run("totals")[0]
    overall = run("success")[0]
    lost = run("lost_to_follow_up")[0]
    benchmark = (scale.benchmark_percent.min / 100, scale.benchmark_percent.max / 100)
    headline = Headline(
        sessions=int(totals["sessions"]),
        patients=int(totals["patients"]),
        foam_sessions=int(totals["foam_sessions"]),
        treated_regions=int(overall["regions"]),
        assessed_regions=int(overall["assessed"]),
        successes=int(overall["successes"]),
        success_share=share(overall["successes"], overall["assessed"]),
        success_ci=wilson(int(overall["successes"]), int(overall["assessed"])),
        benchmark=benchmark,
        success_level=scale.success_level,
        success_label=protocol.clearance_labels.get(scale.success_level, str(scale.success_level)),
        lost_to_follow_up=int(lost["lost"]),
        interval_overrides=int(totals["interval_overrides"]),
        limit_overrides=int(totals["limit_overrides"]),
    )
    keys = list(BUILDERS) if only is None else [k for k in BUILDERS if k in only]
    tables = [BUILDERS[key](run, headline, protocol) for key in keys]
    cited = {s for table in tables for s in table.sources}
    citations = {entry.id: entry.citation for entry in protocol.spec.sources if entry.id in cited}
    return OutcomesReport(
        filters=filters,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        headline=headline,
        tables={table.key: table for table in tables},
        sources=citations,
    )


def _success_row(group: str, row: Mapping[str, Any]) -> dict[str, Any]:
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


def _success_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    scale = protocol.spec.clearance_scale
    rows = [_success_row("All treated regions", run("success")[0])]
    for name, what in (("vein_type", "Vein"), ("technique", "Technique"), ("agent", "Agent")):
        for row in run(f"success_by_{name}"):
            rows.append(_success_row(f"{what}: {label_of(str(row['dimension']))}", row))
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


def _clearance_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def _time_to_success_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def _sessions_per_patient_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def _adverse_events_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def _event_outcomes_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def _limit_use_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    bands = [label for _, label in queries.LIMIT_BANDS]
    rows = []
    for r in run("limit_use"):
        rows.append(
            {
                "limit": LIMIT_LABELS.get(str(r["limit"]), str(r["limit"])),
                "sessions": int(r["sessions"]),
                **{f"band_{n}": int(r[f"band_{n}"]) for n in range(len(bands))},
                "over": int(r["over"]),
                "mean_share": r["mean_share"],
                "max_share": r["max_share"],
            }
        )
    return ReportTable(
        key="limit_use",
        title="Dose and volume against the session limits",
        caption=(
            "Sessions by how much of each session limit they used (sessions that used that "
            "kind at all); above 100 % only on a physician's override."
        ),
        columns=columns(
            ("limit", "Limit"),
            ("sessions", "Sessions"),
            *[(f"band_{n}", label) for n, label in enumerate(bands)],
            ("over", "Over the limit"),
            ("mean_share", "Mean used"),
            ("max_share", "Most used"),
        ),
        rows=rows,
    )


def _overrides_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = [
        {
            "clinician": r["full_name"] or "(unknown)",
            "injections": int(r["injections"]),
            "sessions": int(r["sessions"]),
        }
        for r in run("overrides_by_clinician")
    ]
    return ReportTable(
        key="overrides",
        title="Limit overrides by physician",
        caption="Injections charted beyond a session limit on a physician's written override.",
        columns=columns(
            ("clinician", "Physician"), ("injections", "Injections"), ("sessions", "Sessions")
        ),
        rows=rows,
    )


def _override_reasons_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = [
        {"reason": r["reason"], "injections": int(r["injections"])} for r in run("override_reasons")
    ]
    return ReportTable(
        key="override_reasons",
        title="Why limits were overridden",
        caption="The reasons written for limit overrides, most frequent first (up to 20).",
        columns=columns(("reason", "Reason"), ("injections", "Injections")),
        rows=rows,
    )


def _interval_overrides_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = [
        {"reason": r["reason"], "sessions": int(r["sessions"])} for r in run("interval_overrides")
    ]
    return ReportTable(
        key="interval_overrides",
        title="Interval overrides",
        caption=(
            "Sessions started before the protocol's interval on a physician's written override, "
            "by reason (up to 20)."
        ),
        columns=columns(("reason", "Reason"), ("sessions", "Sessions")),
        rows=rows,
    )


def _sessions_per_month_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    rows = [
        {"month": r["month"], "sessions": int(r["sessions"]), "patients": int(r["patients"])}
        for r in run("sessions_per_month")
    ]
    return ReportTable(
        key="sessions_per_month",
        title="Sessions per month",
        caption="Sessions held and patients treated per calendar month.",
        columns=columns(("month", "Month"), ("sessions", "Sessions"), ("patients", "Patients")),
        rows=rows,
    )


def _appointments_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    months: dict[str, dict[str, Any]] = {}
    for r in run("appointments_per_month"):
        month = months.setdefault(
            str(r["month"]), {"month": str(r["month"]), **dict.fromkeys(STATUSES, 0)}
        )
        month[str(r["status"])] = month.get(str(r["status"]), 0) + int(r["appointments"])
    rows = []
    for month in months.values():
        total = sum(int(month.get(s, 0)) for s in STATUSES)
        rows.append(
            {
                **month,
                "total": total,
                "no_show_share": share(month["no_show"], total),
                "cancelled_share": share(month["cancelled"], total),
            }
        )
    return ReportTable(
        key="appointments",
        title="No-shows and cancellations",
        caption="Appointments of every kind per month by status (the date filter only).",
        columns=columns(
            ("month", "Month"),
            ("total", "Appointments"),
            ("done", "Done"),
            ("no_show", "No-show"),
            ("cancelled", "Cancelled"),
            ("booked", "Booked"),
            ("no_show_share", "No-show rate"),
            ("cancelled_share", "Cancellation rate"),
        ),
        rows=rows,
    )


def _follow_up_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    found = {str(r["status"]): int(r["sessions"]) for r in run("follow_up_timeliness")}
    total = sum(found.values())
    rows = [
        {
            "status": label,
            "sessions": found.get(code, 0),
            "sessions_share": share(found.get(code, 0), total),
        }
        for code, label in FOLLOW_UP_LABELS.items()
    ]
    days, window = protocol.follow_up_days, queries.FOLLOW_UP_WINDOW_DAYS
    return ReportTable(
        key="follow_ups",
        title="Follow-ups after sessions",
        caption=(
            f"Sessions by their first follow-up: on time up to {days + window} days after the "
            f"session (the protocol's {days}-day follow-up plus {window} days), late after that, "
            "overdue when none came and that time has passed."
        ),
        columns=columns(
            ("status", "Follow-up"), ("sessions", "Sessions"), ("sessions_share", "Share")
        ),
        rows=rows,
    )


def _satisfaction_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    found = {int(r["satisfaction"]): int(r["follow_ups"]) for r in run("satisfaction")}
    total = sum(found.values())
    rows = [
        {
            "score": score,
            "meaning": label,
            "follow_ups": found.get(score, 0),
            "follow_ups_share": share(found.get(score, 0), total),
        }
        for score, label in SATISFACTION_LABELS.items()
    ]
    return ReportTable(
        key="satisfaction",
        title="Satisfaction at follow-up",
        caption="Follow-ups after the sessions of the period by the patient's satisfaction (1–5).",
        columns=columns(
            ("score", "Score"),
            ("meaning", "Meaning"),
            ("follow_ups", "Follow-ups"),
            ("follow_ups_share", "Share"),
        ),
        rows=rows,
    )


def _protocol_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    fired = {str(r["rule"]): int(r["evaluations"]) for r in run("rules_fired")}
    overridden = {str(r["rule"]): int(r["plans"]) for r in run("rules_overridden")}
    rows: list[dict[str, Any]] = [
        {
            "rule": label_of(code),
            "code": code,
            "fired": fired.get(code, 0),
            "overridden": overridden.get(code, 0),
            "overridden_share": share(overridden.get(code, 0), fired.get(code, 0)),
        }
        for code in sorted(set(fired) | set(overridden), key=lambda c: (-fired.get(c, 0), c))
    ]
    rows.append(
        _charting_row("Session dose and volume limits", "session_limits", headline.limit_overrides)
    )
    rows.append(_charting_row("Interval between sessions", "interval", headline.interval_overrides))
    return ReportTable(
        key="protocol",
        title="The protocol against reality",
        caption=(
            "How often each screening rule fired in the period's evaluations and how often a "
            "physician decided past it when approving a plan; for the charting limits, how "
            "often a physician overrode them (a refusal that was not overridden leaves no row)."
        ),
        columns=columns(
            ("rule", "Rule"),
            ("code", "Code"),
            ("fired", "Fired"),
            ("overridden", "Overridden"),
            ("overridden_share", "Overridden share"),
        ),
        rows=rows,
    )


def _charting_row(rule: str, code: str, overridden: int) -> dict[str, Any]:
    return {
        "rule": rule,
        "code": code,
        "fired": None,
        "overridden": overridden,
        "overridden_share": None,
    }


TableBuilder = Callable[[Runner, Headline, Protocol], ReportTable]
BUILDERS: dict[str, TableBuilder] = {
    "success": _success_table,
    "clearance_by_sessions": _clearance_table,
    "time_to_success": _time_to_success_table,
    "sessions_per_patient": _sessions_per_patient_table,
    "adverse_events": _adverse_events_table,
    "adverse_event_outcomes": _event_outcomes_table,
    "limit_use": _limit_use_table,
    "overrides": _overrides_table,
    "override_reasons": _override_reasons_table,
    "interval_overrides": _interval_overrides_table,
    "sessions_per_month": _sessions_per_month_table,
    "appointments": _appointments_table,
    "follow_ups": _follow_up_table,
    "satisfaction": _satisfaction_table,
    "protocol": _protocol_table,
}
"""Every table of the report by key, in the order the report shows them."""
AGGREGATE_COUNT = len(queries.AGGREGATES)
