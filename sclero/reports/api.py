"""JSON API of the reports: the clinic outcomes report for a date range and filters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sclero.reports import service
from sclero.reports.filters import parse_filters
from sclero.web.deps import UoW, may

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/reports/outcomes", dependencies=[may(service.outcomes_report)])
def outcomes(request: Request, uow: UoW) -> dict[str, Any]:
    """The outcomes report (query: date_from, date_to, vein_type, region, technique, agent,
    concentration_min, concentration_max, clinician_id, sessions); shares are fractions 0–1 in
    keys ending in `_share`."""
    filters = parse_filters(dict(request.query_params), uow.today())
    return service.outcomes_report(uow, filters).to_document()
