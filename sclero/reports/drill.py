"""Drill-downs of the outcomes dashboard: the patients behind a figure, a page at a time — the
treated regions not (yet) at success, the patients with an adverse event of a type. From the
same source as the dashboard's figures (summary or live tables), so the lists add up to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, or_, select

from sclero.patients.models import Patient
from sclero.reports.scope import EVENTS, Query, Scope, Source

PAGE_SIZE = 50
PATIENTS = Patient.__table__

KINDS = {
    "not_cleared": "Treated regions not at success",
    "adverse_event": "Patients with an adverse event",
}
"""The figures a physician may open, by the `kind` of the drill-down."""


@dataclass(frozen=True)
class DrillPage:
    kind: str
    title: str
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int

    @property
    def patient_ids(self) -> list[int]:
        return sorted({int(row["patient_id"]) for row in self.rows})


def not_cleared(scope: Scope, source: Source) -> Query:
    """Treated regions of the scope whose best clearance is below success or never scored."""
    regions = source.regions(scope)
    p = PATIENTS.c
    return (
        select(
            regions.c.patient_id,
            p.mrn,
            p.last_name,
            p.first_name,
            regions.c.side,
            regions.c.region,
            regions.c.sessions,
            regions.c.first_at,
            regions.c.best,
            regions.c.last_seen,
        )
        .join_from(regions, PATIENTS, p.id == regions.c.patient_id)
        .where(or_(regions.c.best.is_(None), regions.c.best < scope.success_level))
        .order_by(p.last_name, p.first_name, p.id, regions.c.side, regions.c.region)
    )


def adverse_event(scope: Scope, source: Source, event_type: str) -> Query:
    """Adverse events of `event_type` after the scoped sessions, with their patient."""
    sessions = source.sessions(scope)
    e, p = EVENTS.c, PATIENTS.c
    return (
        select(
            e.patient_id,
            p.mrn,
            p.last_name,
            p.first_name,
            e.id.label("event_id"),
            e.severity,
            e.onset_date,
            e.outcome,
            sessions.c.started_at,
        )
        .join_from(EVENTS, sessions, sessions.c.id == e.session_id)
        .join(PATIENTS, p.id == e.patient_id)
        .where(e.event_type == event_type)
        .order_by(p.last_name, p.first_name, p.id, e.onset_date, e.id)
    )


def drill_page(connection: Connection, kind: str, query: Query, page: int, title: str) -> DrillPage:
    """One page of the rows of `query` (counted in the database, `PAGE_SIZE` loaded)."""
    total = int(connection.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = connection.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).mappings()
    return DrillPage(kind, title, [dict(row) for row in rows], total, page, pages)
