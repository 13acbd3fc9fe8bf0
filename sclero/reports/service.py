"""The door of the reports: who may read the clinic's outcomes, and the audit entry of a read."""

from __future__ import annotations

from collections.abc import Callable

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, NotFound
from sclero.core.use_case import use_case
from sclero.reports import drill, summary, summary_queries, work_queries
from sclero.reports.filters import ReportFilters
from sclero.reports.report import BUILDERS, OutcomesReport, build_report
from sclero.reports.scope import LIVE, Scope
from sclero.rules.vocabulary import label_of

REPORT_READERS = (Role.PHYSICIAN, Role.CLINIC_LEAD)
"""Roles that read the clinic's outcomes (aggregates over every patient; no patient named)."""


@use_case(*REPORT_READERS)
def outcomes_report(
    uow: UnitOfWork, filters: ReportFilters, progress: Callable[[str], None] | None = None
) -> OutcomesReport:
    """The clinic outcomes report for `filters`, audited as one report read (who, which report,
    which filters). It lists no patient, so no patient is named in the entry."""
    report = _build(uow, filters, progress=progress)
    audit.record(uow, "read", "report", detail={"report": "outcomes", "filters": filters.as_dict()})
    return report


@use_case(*REPORT_READERS)
def outcomes_figure_data(
    uow: UnitOfWork, filters: ReportFilters, key: str, computed: OutcomesReport | None = None
) -> OutcomesReport:
    """The headline and one table, for a figure of the dashboard (`computed`: the report the
    dashboard just ran for these filters, if the caller kept it). The dashboard's read is the
    audited one; its figures draw the same aggregates and name no patient."""
    _known_table(key)
    if computed is not None and key in computed.tables:
        return computed
    return _build(uow, filters, only={key})


@use_case(*REPORT_READERS)
def export_outcomes(
    uow: UnitOfWork,
    filters: ReportFilters,
    what: str,
    key: str | None = None,
    computed: OutcomesReport | None = None,
) -> OutcomesReport:
    """The report (or one table of it) to download as `what` (csv, pdf, json), audited as an
    export with its filters (`computed`: the whole report just run for these filters, if kept)."""
    if key is not None:
        _known_table(key)
    report = computed or _build(uow, filters, only=None if key is None else {key})
    detail = {"report": "outcomes", "format": what, "table": key, "filters": filters.as_dict()}
    audit.record(uow, "export", "report", detail=detail)
    return report


DRILL_READERS = (Role.PHYSICIAN,)
"""Roles that see the patients behind a figure (a clinic lead sees the aggregates only)."""


@use_case(*DRILL_READERS)
def drill_down(
    uow: UnitOfWork,
    filters: ReportFilters,
    kind: str,
    page: int = 1,
    event_type: str | None = None,
) -> drill.DrillPage:
    """The patients behind one figure of the dashboard for `filters`, a page at a time, read
    from the dashboard's own source; audited as a report read naming every patient listed."""
    if kind not in drill.KINDS:
        raise NotFound(f"The outcomes report has no list {kind!r}.", field="kind")
    connection = uow.session.connection()
    source = LIVE if _summary_state(uow) is None else summary_queries.SUMMARY
    scope = _scope(uow, filters, connection.dialect.name)
    title = drill.KINDS[kind]
    if kind == "adverse_event":
        known = {event.code for event in uow.protocol.spec.adverse_events.events}
        if event_type not in known:
            raise InvalidInput("Choose one of the protocol's adverse event types.", "event_type")
        query = drill.adverse_event(scope, source, event_type)
        title = f"{title}: {label_of(event_type)}"
    else:
        query = drill.not_cleared(scope, source)
    found = drill.drill_page(connection, kind, query, page, title)
    detail = {
        "report": "outcomes",
        "list": kind,
        "event_type": event_type,
        "filters": filters.as_dict(),
        "page": found.page,
        "patient_ids": found.patient_ids,
    }
    audit.record(uow, "read", "report", detail=detail)
    return found


def _scope(uow: UnitOfWork, filters: ReportFilters, dialect: str) -> Scope:
    return Scope(
        filters=filters,
        dialect=dialect,
        success_level=uow.protocol.spec.clearance_scale.success_level,
        follow_up_days=uow.protocol.follow_up_days,
        follow_up_grace_days=uow.protocol.follow_up_grace_days,
        today=uow.today(),
    )


def _summary_state(uow: UnitOfWork) -> summary.SummaryState | None:
    """The summary's state when the report may read it: built, for the protocol's success
    level (a changed level reads live until `sclero report rebuild`)."""
    built = summary.state(uow.session.connection())
    if built is not None and built.success_level != uow.protocol.spec.clearance_scale.success_level:
        return None
    return built


def _build(
    uow: UnitOfWork,
    filters: ReportFilters,
    *,
    progress: Callable[[str], None] | None = None,
    only: set[str] | None = None,
) -> OutcomesReport:
    """The report from the summary tables once they were built for the protocol's success
    level, else from the live tables."""
    connection = uow.session.connection()
    built = _summary_state(uow)
    side = uow.side_readers
    return build_report(
        connection,
        filters,
        uow.protocol,
        uow.today(),
        progress,
        only,
        summary_rebuilt_at=None if built is None else built.rebuilt_at,
        side_reader=None if side is None else side.connect,
    )


@use_case(Role.ADMIN)
def rebuild_summary(uow: UnitOfWork) -> None:
    """Derive the report's summary tables again from the live tables (after a bulk load or a
    migration), audited; an admin's or the operator's task."""
    summary.rebuild(uow.session.connection(), uow.protocol.spec.clearance_scale.success_level)
    audit.record(uow, "rebuild", "report", detail={"report": "outcomes summary"})
    uow.commit()


@use_case(*REPORT_READERS)
def report_clinicians(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Who performed sessions: the choices of the dashboard's clinician filter."""
    rows = uow.session.execute(work_queries.clinicians())
    return [(int(row.id), str(row.full_name)) for row in rows]


def _known_table(key: str) -> None:
    if key not in BUILDERS:
        raise NotFound(f"The outcomes report has no table {key!r}.", field="table")
