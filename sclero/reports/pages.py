"""Pages of the reports: the clinic outcomes dashboard (figures as SVG images beside their data
tables), each table as CSV, the report as PDF (whole view or one month)."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sclero.core.db import Database
from sclero.core.errors import InvalidInput
from sclero.core.use_case import allowed
from sclero.reports import drill, pdf, service
from sclero.reports.cache import ReportCache
from sclero.reports.filters import CHOICES, ReportFilters, parse_filters
from sclero.reports.sheet import build_sheet
from sclero.web.deps import PageActor, get_db
from sclero.web.security import require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
PRIVATE = {"Cache-Control": "private, no-store"}


def _cache(request: Request) -> ReportCache:
    """This app's cache of the reports its dashboards just computed (for their figures)."""
    cache: ReportCache | None = getattr(request.app.state, "report_cache", None)
    if cache is None:
        cache = request.app.state.report_cache = ReportCache()
    return cache


def _filters(request: Request, today: date) -> ReportFilters:
    return parse_filters(dict(request.query_params), today)


@router.get("/reports/outcomes", response_class=HTMLResponse)
def dashboard(request: Request, actor: PageActor, db: DB) -> HTMLResponse:
    """The clinic outcomes dashboard for the filters in the query string."""
    with db.uow(actor) as uow:
        try:
            filters = _filters(request, uow.today())
        except InvalidInput as error:
            context = _form_context(ReportFilters.last_year(uow.today()), uow.today())
            context.update(values=dict(request.query_params), errors={error.field: error.message})
            return render(request, "reports/outcomes.html", context, actor=actor, status_code=422)
        report = service.outcomes_report(uow, filters)
        _cache(request).put((filters, uow.today()), report)
        clinicians = service.report_clinicians(uow)
    context = _form_context(filters, uow.today())
    context.update(
        report=report,
        values={k: ("" if v is None else str(v)) for k, v in filters.as_dict().items()},
        clinicians=clinicians,
        query=filters.query_string(),
        errors={},
        may_drill=allowed(actor, service.drill_down),
    )
    return render(request, "reports/outcomes.html", context, actor=actor)


@router.get("/reports/outcomes/patients", response_class=HTMLResponse)
def drill_down(request: Request, actor: PageActor, db: DB) -> HTMLResponse:
    """The patients behind a figure (physicians), a page at a time, with links to their charts."""
    params = request.query_params
    with db.uow(actor) as uow:
        filters = _filters(request, uow.today())
        page = _page(params.get("page"))
        found = service.drill_down(
            uow, filters, params.get("kind", ""), page, params.get("event_type") or None
        )
    keep = {k: v for k, v in params.items() if k != "page"}
    context = {
        "found": found,
        "filters": filters,
        "query": filters.query_string(),
        "page_query": urlencode(keep),
        "page_size": drill.PAGE_SIZE,
    }
    return render(request, "reports/drill_down.html", context, actor=actor)


def _page(value: str | None) -> int:
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise InvalidInput(f"{value!r} is not a page number.", "page")
    return int(value)


@router.get("/reports/outcomes/figures/{key}.svg")
def figure(key: str, request: Request, actor: PageActor, db: DB) -> Response:
    """One figure of the dashboard as an SVG image."""
    from sclero.reports.figures import render_svg  # matplotlib: not at every worker's start

    with db.uow(actor) as uow:
        filters = _filters(request, uow.today())
        computed = _cache(request).get((filters, uow.today()))
        report = service.outcomes_figure_data(uow, filters, key, computed)
    svg = render_svg(report.tables[key], report.headline)
    return Response(svg, media_type="image/svg+xml", headers=PRIVATE)


@router.get("/reports/outcomes/tables/{key}.csv")
def table_csv(key: str, request: Request, actor: PageActor, db: DB) -> Response:
    """One table of the dashboard as CSV (shares as fractions), audited as an export."""
    with db.uow(actor) as uow:
        filters = _filters(request, uow.today())
        report = service.export_outcomes(uow, filters, "csv", key)
    name = f"sclero-{key}-{filters.date_from}-{filters.date_to}.csv"
    return Response(
        report.tables[key].to_csv(),
        media_type="text/csv; charset=utf-8",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/outcomes.pdf")
def report_pdf(request: Request, actor: PageActor, db: DB) -> Response:
    """The report as PDF: for the filters, or for one calendar month (`month=YYYY-MM`)."""
    with db.uow(actor) as uow:
        filters = _filters(request, uow.today())
        month = request.query_params.get("month")
        if month:
            filters = _month(filters, month)
        computed = _cache(request).get((filters, uow.today()))
        report = service.export_outcomes(uow, filters, "pdf", computed=computed)
        html = pdf.report_html(report, uow.settings, uow.today())
    name = f"sclero-outcomes-{filters.date_from}-{filters.date_to}.pdf"
    return Response(
        pdf.to_pdf(html),
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/patients/{patient_id}/outcomes", response_class=HTMLResponse)
def outcome_sheet(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """A patient's own outcome sheet, printable: per treated region its sessions, clearance
    and photos before and after, in plain words."""
    with db.uow(actor) as uow:  # render inside: the template reads related rows lazily
        return render(
            request, "reports/outcome_sheet.html", build_sheet(uow, patient_id), actor=actor
        )


def _month(filters: ReportFilters, month: str) -> ReportFilters:
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise InvalidInput(f"{month!r} is not a month (use YYYY-MM).", "month") from None
    last = date(year, number, calendar.monthrange(year, number)[1])
    return replace(filters, date_from=first, date_to=last)


def _form_context(filters: ReportFilters, today: date) -> dict[str, object]:
    last_month = today.replace(day=1) - timedelta(days=1)
    return {
        "filters": filters,
        "choices": {name: sorted(codes) for name, codes in CHOICES.items()},
        "last_month": last_month.strftime("%Y-%m"),
        "report": None,
        "clinicians": [],
        "query": "",
    }
