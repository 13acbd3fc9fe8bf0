"""Pages of follow-up: record a visit with clearance per treated region, upload photos and see
each site before and after, and serve a photo to a signed-in clinician."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sclero.core.db import Actor, Database, UnitOfWork
from sclero.core.errors import DomainError
from sclero.follow_up import queries, service
from sclero.follow_up.api import photo_response
from sclero.follow_up.schemas import (
    SATISFACTION_SCALE,
    FollowUpIn,
    PhotoMeta,
)
from sclero.follow_up.service import TreatedSession
from sclero.patients import queries as patient_queries
from sclero.rules.vocabulary import Region, Side
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import FormValues, domain_errors, validate
from sclero.web.security import CSRF_FIELD, require_csrf
from sclero.web.templating import label, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
LEVEL_MESSAGE = "Choose a clearance level from 0 (< 25 % gone) to 3 (75–100 % gone)."


def level_field(side: str, region: str) -> str:
    """The form field of one treated site's clearance level."""
    return f"level__{side}__{region}"


def _chosen(sessions: list[TreatedSession], wanted: Any) -> TreatedSession | None:
    for session in sessions:
        if str(session.id) == str(wanted):
            return session
    return sessions[0] if sessions and wanted in (None, "") else None


def _page(
    request: Request,
    uow: UnitOfWork,
    patient_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    photo_values: dict[str, Any] | None = None,
    photo_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    sessions = service.treated_sessions(uow, patient_id)
    values = values or {"performed_on": uow.today().isoformat()}
    chosen = _chosen(sessions, values.get("session_id", request.query_params.get("session_id")))
    follow_ups = service.list_follow_ups(uow, patient_id)
    photos = service.list_photos(uow, patient_id)
    return render(
        request,
        "follow_up/follow_ups.html",
        {
            "patient": patient_queries.load_patient(uow, patient_id),
            "sessions": sessions,
            "chosen": chosen,
            "sessions_by_id": {s.id: s for s in sessions},
            "follow_ups": follow_ups,
            "photos": photos,
            "sites": queries.before_after(photos),
            "values": values,
            "errors": errors or {},
            "photo_values": photo_values or {"taken_on": uow.today().isoformat()},
            "photo_errors": photo_errors or {},
            "scale": uow.protocol.clearance_labels,
            "summaries": {f.id: queries.clearance_summary(uow, f) for f in follow_ups},
            "satisfaction_scale": SATISFACTION_SCALE,
            "level_field": level_field,
            "sides": [(s.value, label(s.value)) for s in Side],
            "regions": [(r.value, label(r.value)) for r in Region],
        },
        actor=uow.actor,
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/follow-ups", response_class=HTMLResponse)
def follow_ups(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """Record a follow-up, see earlier ones with their clearance, and the photos of each site."""
    with db.uow(actor) as uow:
        return _page(request, uow, patient_id)


@router.get("/patients/{patient_id}/follow-ups/clearance", response_class=HTMLResponse)
def clearance_fields(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    session_id: Annotated[str | None, Query(max_length=12)] = None,
) -> HTMLResponse:
    """HTMX partial: the clearance rows for the treated sites of the chosen session."""
    with db.uow(actor) as uow:
        chosen = _chosen(service.treated_sessions(uow, patient_id), session_id)
        return render(
            request,
            "follow_up/_clearance.html",
            {
                "chosen": chosen,
                "values": {},
                "errors": {},
                "scale": uow.protocol.clearance_labels,
                "level_field": level_field,
            },
            actor=actor,
        )


@router.post("/patients/{patient_id}/follow-ups", response_model=None)
def record(
    request: Request, patient_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    with db.uow(actor) as uow:
        chosen = _chosen(service.treated_sessions(uow, patient_id), values.get("session_id"))
    errors: dict[str, str] = {}
    if chosen is None:
        errors["session_id"] = "Choose the session this follow-up is about."
    sites = chosen.sites if chosen else ()
    clearances = [
        {"side": side, "region": region, "level": values.get(level_field(side, region))}
        for side, region in sites
    ]
    for index, (side, region) in enumerate(sites):
        if clearances[index]["level"] is None:
            errors[level_field(side, region)] = "Choose the clearance level of this region."
    decision = {"yes": True, "no": False}.get(values.get("more_sessions_needed") or "")
    if decision is None:
        errors["more_sessions_needed"] = "Choose whether more sessions are needed."
    data, invalid = validate(
        FollowUpIn,
        {
            "session_id": chosen.id if chosen else None,
            "performed_on": values.get("performed_on"),
            "clearances": clearances,
            "satisfaction": values.get("satisfaction"),
            "more_sessions_needed": bool(decision),
            "notes": values.get("notes"),
        },
    )
    for field, message in invalid.items():
        errors.setdefault(
            _clearance_field(field, sites) or field, _clearance_message(field, message)
        )
    status = 422
    if data is not None and not errors:
        try:
            with db.uow(actor) as uow:
                service.record_follow_up(uow, patient_id, data)
            return RedirectResponse(f"/patients/{patient_id}/follow-ups?recorded=1", 303)
        except DomainError as error:
            errors, status = domain_errors(error), error.status_code
    with db.uow(actor) as uow:
        return _page(request, uow, patient_id, values=values, errors=errors, status_code=status)


def _clearance_field(field: str, sites: tuple[tuple[str, str], ...]) -> str | None:
    """`clearances[1].level` → the form field of the second treated site."""
    if not field.startswith("clearances["):
        return None
    index = field.removeprefix("clearances[").split("]", 1)[0]
    if index.isdigit() and int(index) < len(sites):
        return level_field(*sites[int(index)])
    return "clearances"


def _clearance_message(field: str, message: str) -> str:
    return LEVEL_MESSAGE if field.startswith("clearances[") else message


@router.post("/patients/{patient_id}/photos", response_model=None)
async def upload_photo(request: Request, patient_id: int, actor: PageActor, db: DB) -> Response:
    """Keep a clinical photo (JPEG or PNG only) for one side and region."""
    form = await request.form()
    upload = form.get("file")
    values = {
        key: (value.strip() or None) if isinstance(value, str) else None
        for key, value in form.items()
        if key not in ("file", CSRF_FIELD)
    }
    data, errors = validate(
        PhotoMeta,
        {
            "side": values.get("side"),
            "region": values.get("region"),
            "taken_on": values.get("taken_on"),
            "follow_up_id": values.get("follow_up_id"),
            "caption": values.get("caption"),
        },
    )
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    await form.close()  # the spooled upload file: this route reads the form itself
    if not content:
        errors["file"] = "Choose a JPEG or PNG photo to upload."
    # the rest is database and file work: in the thread pool, off the event loop
    return await run_in_threadpool(
        _save_photo, request, actor, db, patient_id, data, values, errors, content
    )


def _save_photo(
    request: Request,
    actor: Actor,
    db: Database,
    patient_id: int,
    data: PhotoMeta | None,
    values: dict[str, Any],
    errors: dict[str, str],
    content: bytes,
) -> Response:
    status = 422
    if data is not None and not errors:
        try:
            with db.uow(actor) as uow:
                service.add_photo(uow, patient_id, data, content)
            return RedirectResponse(f"/patients/{patient_id}/follow-ups?photo=1#photos", 303)
        except DomainError as error:
            errors, status = domain_errors(error), error.status_code
    with db.uow(actor) as uow:
        return _page(
            request,
            uow,
            patient_id,
            photo_values=values,
            photo_errors=errors,
            status_code=status,
        )


@router.get("/photos/{photo_id}")
def photo(photo_id: int, actor: PageActor, db: DB) -> Response:
    """A photo's bytes for a signed-in clinician; never kept in a shared cache."""
    with db.uow(actor) as uow:
        meta, content = service.photo_content(uow, photo_id)
    return photo_response(meta.content_type, content)


@router.get("/photos/{photo_id}/thumbnail")
def thumbnail(photo_id: int, actor: PageActor, db: DB) -> Response:
    """The photo made small, for the before-and-after gallery."""
    with db.uow(actor) as uow:
        meta, content = service.photo_content(uow, photo_id, thumbnail=True)
    return photo_response(meta.content_type, content)
