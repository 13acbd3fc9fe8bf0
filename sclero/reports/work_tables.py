"""The report's tables on how the clinic works: use of the session limits, overrides, sessions
and appointments per month, follow-ups on time, satisfaction, and the protocol's rules as they
fired and were overridden."""

from __future__ import annotations

from typing import Any

from sclero.reports import work_queries
from sclero.reports.headline import Headline, Runner
from sclero.reports.stats import share
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


def limit_use_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
    bands = [label for _, label in work_queries.LIMIT_BANDS]
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


def overrides_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def override_reasons_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def interval_overrides_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def sessions_per_month_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def appointments_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def follow_up_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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
    days, window = protocol.follow_up_days, protocol.follow_up_grace_days
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


def satisfaction_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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


def protocol_table(run: Runner, headline: Headline, protocol: Protocol) -> ReportTable:
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
