"""The outcomes report's door: physicians only, one audit entry per read naming the filters."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.core.errors import Forbidden
from sclero.reports import service
from sclero.reports.filters import ReportFilters
from tests.factories.reports import KnownClinic

FILTERS = ReportFilters(date_from=date(2025, 1, 1), date_to=date(2026, 5, 5), technique="foam")


def test_a_report_read_leaves_one_audit_entry_with_its_filters(
    db: Database, users: dict[str, auth.User], known: KnownClinic
) -> None:
    with db.uow(users["physician"].as_actor()) as uow:
        report = service.outcomes_report(uow, FILTERS)
    assert report.headline.sessions == 1
    with db.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "report")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.username, entry.action, entry.patient_id) == ("test-physician", "read", None)
    assert entry.detail == {"report": "outcomes", "filters": FILTERS.as_dict()}


@pytest.mark.parametrize("role", ["nurse", "front_desk", "admin"])
def test_other_roles_may_not_read_the_clinic_outcomes(
    db: Database, users: dict[str, auth.User], role: str
) -> None:
    with db.uow(users[role].as_actor()) as uow, pytest.raises(Forbidden):
        service.outcomes_report(uow, FILTERS)
