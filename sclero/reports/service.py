"""The door of the reports: who may read the clinic's outcomes, and the audit entry of a read."""

from __future__ import annotations

from collections.abc import Callable

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.reports.filters import ReportFilters
from sclero.reports.report import OutcomesReport, build_report

REPORT_READERS = (Role.PHYSICIAN,)
"""Roles that read the clinic's outcomes (aggregates over every patient)."""


def outcomes_report(
    uow: UnitOfWork, filters: ReportFilters, progress: Callable[[str], None] | None = None
) -> OutcomesReport:
    """The clinic outcomes report for `filters`, audited as one report read (who, which report,
    which filters). It lists no patient, so no patient is named in the entry."""
    uow.require_role(*REPORT_READERS)
    report = build_report(uow.session.connection(), filters, uow.protocol, uow.today(), progress)
    audit.record(uow, "read", "report", detail={"report": "outcomes", "filters": filters.as_dict()})
    return report
