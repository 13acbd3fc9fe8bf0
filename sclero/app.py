"""Assembles Sclero: the app factory with settings, database, every router, error handlers."""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sclero.adverse_events import api as adverse_events_api
from sclero.adverse_events import pages as adverse_events_pages
from sclero.adverse_events.choices import EventStatus, Outcome, Severity
from sclero.assessment import api as assessment_api
from sclero.assessment import pages as assessment_pages
from sclero.charting import api as charting_api
from sclero.charting import pages as charting_pages
from sclero.charting.choices import SessionStatus
from sclero.core import accounts, audit
from sclero.core.collector import watch_pauses
from sclero.core.db import Database, ensure_migrated
from sclero.core.settings import Settings, get_settings
from sclero.evaluation import api as evaluation_api
from sclero.evaluation import pages as evaluation_pages
from sclero.exchange import api as exchange_api
from sclero.exchange import outcome as fhir_outcome
from sclero.exchange.worker import reader_for, start_thread
from sclero.follow_up import api as follow_up_api
from sclero.follow_up import pages as follow_up_pages
from sclero.patients import api as patients_api
from sclero.patients import pages as patients_pages
from sclero.patients import service as patients_service
from sclero.planning import api as planning_api
from sclero.planning import pages as planning_pages
from sclero.planning.choices import PlanStatus
from sclero.record import pages as record_pages
from sclero.reports import api as reports_api
from sclero.reports import pages as reports_pages
from sclero.reports import service as reports_service
from sclero.scheduling import api as scheduling_api
from sclero.scheduling import pages as scheduling_pages
from sclero.scheduling import service as scheduling_service
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus
from sclero.web import account_pages, api_docs, auth_api, errors, openapi
from sclero.web import pages as web_pages
from sclero.web.headers import SecurityHeaders
from sclero.web.limits import BodyLimit
from sclero.web.read_only import ReadOnlyRequests
from sclero.web.templating import PACKAGE, NavItem

API_ROUTERS = (
    auth_api.router,
    patients_api.router,
    evaluation_api.router,
    assessment_api.router,
    planning_api.router,
    charting_api.router,
    scheduling_api.router,
    follow_up_api.router,
    adverse_events_api.router,
    exchange_api.router,
    reports_api.router,
)

NAVIGATION: tuple[NavItem, ...] = (
    ("Today", "/today", scheduling_service.calendar_days),
    ("Patients", "/patients", patients_service.search_patients),
    ("Calendar", "/calendar", scheduling_service.calendar_days),
    ("Outcomes", "/reports/outcomes", reports_service.outcomes_report),
    ("Audit log", "/audit", audit.list_entries),
    ("Staff", "/admin/users", accounts.list_users),
    ("Account", "/account", None),
)
"""The menu: each entry shows to the roles of the use case it opens."""

PAGE_ROUTERS = (
    web_pages.router,
    account_pages.router,
    patients_pages.router,
    record_pages.router,
    scheduling_pages.router,
    evaluation_pages.router,
    assessment_pages.router,
    planning_pages.router,
    charting_pages.router,
    follow_up_pages.router,
    adverse_events_pages.router,
    reports_pages.router,
)
STATIC_DIR = PACKAGE / "web" / "static"
OPERATIONAL_CODES: openapi.Codes = {
    ("AppointmentOut", "kind"): AppointmentKind.codes(),
    ("AppointmentOut", "status"): AppointmentStatus.codes(),
    ("SessionOut", "status"): SessionStatus.codes(),
    ("PlanOut", "status"): PlanStatus.codes(),
    ("AdverseEventOut", "status"): EventStatus.codes(),
    ("AdverseEventOut", "severity"): Severity.codes(),
    ("AdverseEventOut", "outcome"): Outcome.codes(),
}
"""Coded fields of the answers, published as enums in the OpenAPI document."""

DESCRIPTION = """Sclero carries a patient through the sclerotherapy pathway: evaluation,
assessment, planning, session charting, scheduling, follow-up and adverse events.
Sign in with **Authorize** (a demo login is printed by `sclero serve`).
Sclero supports clinical judgement; it never replaces it."""


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    check_migrations: bool = True,
) -> FastAPI:
    """A Sclero app on `database` (default: the configured one, which must be migrated)."""
    settings = settings or get_settings()
    database = database or Database(settings.resolved_database_url, settings)
    database.settings = settings  # every unit of work of this app carries these settings
    if check_migrations:
        ensure_migrated(database.engine)
    app = FastAPI(
        title="Sclero",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,  # served by api_docs from the vendored Swagger UI
        redoc_url=None,
    )
    app.add_middleware(ReadOnlyRequests)  # a GET's transactions take no write lock (SQLite)
    app.add_middleware(
        BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes
    )
    app.add_middleware(SecurityHeaders, https_only=settings.secure_cookies)  # outermost
    app.state.settings = settings
    app.state.db = database
    app.state.navigation = NAVIGATION
    app.state.secret = settings.resolved_secret_key()  # signs the CSRF tokens
    errors.install(app)
    openapi.install(app, OPERATIONAL_CODES)
    fhir_outcome.install(app)  # OperationOutcome answers under /fhir
    for router in API_ROUTERS:
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api_docs.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    return app


EXPORT_THREAD_VARIABLE = "SCLERO_EXPORT_THREAD"
"""Set to 1 by `sclero serve --workers N`: each worker process runs the export thread too."""


def worker_app() -> FastAPI:
    """The app of one worker process of `sclero serve --workers N` (uvicorn's factory): every
    worker builds its own engine and pool; all state lives in the database and the data folder."""
    settings = get_settings()
    database = Database(settings.resolved_database_url, settings)
    application = create_app(settings, database)
    if os.environ.get(EXPORT_THREAD_VARIABLE) == "1":
        start_thread(database, reader_for(database))
    gc.collect()
    gc.freeze()  # as in a single-process serve: the collector skips start-up objects
    watch_pauses(settings.gc_pause_warn_ms)
    return application
