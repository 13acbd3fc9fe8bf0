"""The door of the reports: who may read the clinic's outcomes, and the audit entry of a read."""

from __future__ import annotations

from collections.abc import Callable

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import NotFound
from sclero.reports import queries, summary
from sclero.reports.filters import ReportFilters
from sclero.reports.report import BUILDERS, OutcomesReport, build_report

REPORT_READERS = (Role.PHYSICIAN, Role.CLINIC_LEAD)
"""Roles that read the clinic's outcomes (aggregates over every patient; no patient named)."""


def outcomes_report(
    uow: UnitOfWork, filters: ReportFilters, progress: Callable[[str], None] | None = None
) -> OutcomesReport:
    """The clinic outcomes report for `filters`, audited as one report read (who, which report,
    which filters). It lists no patient, so no patient is named in the entry."""
    uow.require_role(*REPORT_READERS)
    report = _build(uow, filters, progress=progress)
    audit.record(uow, "read", "report", detail={"report": "outcomes", "filters": filters.as_dict()})
    return report


def outcomes_figure_data(
    uow: UnitOfWork, filters: ReportFilters, key: str, computed: OutcomesReport | None = None
) -> OutcomesReport:
    """The headline and one table, for a figure of the dashboard (`computed`: the report the
    dashboard just ran for these filters, if the caller kept it). The dashboard's read is the
    audited one; its figures draw the same aggregates and name no patient."""
    uow.require_role(*REPORT_READERS)
    _known_table(key)
    if computed is not None and key in computed.tables:
        return computed
    return _build(uow, filters, only={key})


def export_outcomes(
    uow: UnitOfWork,
    filters: ReportFilters,
    what: str,
    key: str | None = None,
    computed: OutcomesReport | None = None,
) -> OutcomesReport:
    """The report (or one table of it) to download as `what` (csv, pdf, json), audited as an
    export with its filters (`computed`: the whole report just run for these filters, if kept)."""
    uow.require_role(*REPORT_READERS)
    if key is not None:
        _known_table(key)
    report = computed or _build(uow, filters, only=None if key is None else {key})
    detail = {"report": "outcomes", "format": what, "table": key, "filters": filters.as_dict()}
    audit.record(uow, "export", "report", detail=detail)
    return report


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
    built = summary.state(connection)
    if built is not None and built.success_level != uow.protocol.spec.clearance_scale.success_level:
        built = None  # the protocol's success level changed: live until `sclero report rebuild`
    return build_report(
        connection,
        filters,
        uow.protocol,
        uow.today(),
        progress,
        only,
        summary_rebuilt_at=None if built is None else built.rebuilt_at,
    )


def rebuild_summary(uow: UnitOfWork) -> None:
    """Derive the report's summary tables again from the live tables (after a bulk load or a
    migration), audited; an admin's or the operator's task."""
    uow.require_role(Role.ADMIN)
    summary.rebuild(uow.session.connection(), uow.protocol.spec.clearance_scale.success_level)
    audit.record(uow, "rebuild", "report", detail={"report": "outcomes summary"})
    uow.commit()


def report_clinicians(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Who performed sessions: the choices of the dashboard's clinician filter."""
    uow.require_role(*REPORT_READERS)
    rows = uow.session.execute(queries.clinicians())
    return [(int(row.id), str(row.full_name)) for row in rows]


def _known_table(key: str) -> None:
    if key not in BUILDERS:
        raise NotFound(f"The outcomes report has no table {key!r}.", field="table")
