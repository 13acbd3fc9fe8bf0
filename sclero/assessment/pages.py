"""Pages of the vein assessment: the body map with its findings table, and duplex results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.assessment import queries, service
from sclero.assessment.schemas import COLOURS, DuplexIn, FindingIn
from sclero.core import audit
from sclero.core.db import Database, UnitOfWork
from sclero.core.errors import DomainError, PreconditionFailed, PreconditionRequired
from sclero.core.protocol import current_protocol
from sclero.patients import service as patients
from sclero.rules.plausibility import bound_message
from sclero.rules.vocabulary import Region, Side, VeinType
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import FormValues, domain_errors, is_htmx, refused_status, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render
from sclero.web.versions import FIELD as VERSION
from sclero.web.versions import form_version

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
FINDING_FIELDS = tuple(FindingIn.model_fields)
DUPLEX_FLAGS = ("saphenous_reflux", "perforator_reflux", "deep_reflux")
CEAP_CLASSES = ("C0", "C1", "C2", "C2r", "C3", "C4a", "C4b", "C4c", "C5", "C6", "C6r")
PAGE = "assessment/page.html"
WORKSPACE = "assessment/_workspace.html"


def _context(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    """What the page shows, read through the services (audited, role-checked)."""
    rows = service.list_findings(uow, patient_id, include_retired=True)
    return {
        "patient": patients.get_patient(uow, patient_id),
        "findings": [f for f in rows if f.active],
        "retired": [f for f in rows if not f.active],
        "duplex": service.list_duplex(uow, patient_id),
        "face_note": queries.face_note(),
        "choices": _choices(),
        "duplex_values": {},
        "duplex_errors": {},
        "notice": None,
        "editing": None,
    }


def _choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "sides": [(s.value, s.label) for s in Side],
        "regions": [(r.value, r.label) for r in Region],
        "vein_types": [(t.value, t.label) for t in VeinType],
        "colours": [(c, c.capitalize()) for c in COLOURS],
        "ceap": [(c, c) for c in CEAP_CLASSES],
    }


def _finding_values(finding: Any) -> dict[str, Any]:
    values = {name: getattr(finding, name) for name in FINDING_FIELDS}
    values[VERSION] = finding.version
    if finding.vein_type_derived:
        values["vein_type"] = None  # keep deriving it from the diameter
    return values


def _readable(errors: dict[str, str]) -> dict[str, str]:
    """Say the diameter's allowed range in the clinic's words (the protocol's plausible range,
    as the engine and the API say it)."""
    if "diameter_mm" in errors and errors["diameter_mm"] != "Required":
        errors["diameter_mm"] = bound_message("diameter_mm", current_protocol())
    return errors


def _site(finding: Any) -> str:
    return f"{Side(finding.side).label} {Region(finding.region).label.lower()}"


def _render(
    request: Request, name: str, context: dict[str, Any], actor: Any, status: int = 200
) -> HTMLResponse:
    """A page, or the workspace partial marked so htmx swaps it in even when refused."""
    headers = {"X-Sclero-Partial": "1"} if name == WORKSPACE else None
    return render(request, name, context, actor=actor, status_code=status, headers=headers)


@router.get("/patients/{patient_id}/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    side: Annotated[str | None, Query(max_length=10)] = None,
    region: Annotated[str | None, Query(max_length=30)] = None,
    edit: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    """The body map beside the findings table; ?side&region pre-fill the form (map without JS)."""
    values: dict[str, Any] = {}
    if side in Side.codes():
        values["side"] = side
    if region in Region.codes():
        values["region"] = region
    with db.uow(actor) as uow:
        context = _context(uow, patient_id)
        editing = next((f for f in context["findings"] if f.id == edit), None)
        if editing is not None:
            values = _finding_values(editing)
        context.update(values=values, errors={}, editing=editing)
        return render(request, PAGE, context, actor=actor)


@router.post("/patients/{patient_id}/findings", response_model=None)
def add_finding(
    request: Request, patient_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Add a finding; HTMX gets the map, form and table back, a plain form a redirect."""
    data, errors = validate(FindingIn, {k: values.get(k) for k in FINDING_FIELDS})
    errors = _readable(errors)
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                finding = service.add_finding(uow, patient_id, data)
                notice = f"Added: {_site(finding)} — {finding.vein_type.replace('_', ' ')}" + (
                    f" (derived from {finding.diameter_mm:g} mm)."
                    if finding.vein_type_derived
                    else "."
                )
                if not is_htmx(request):
                    return RedirectResponse(f"/patients/{patient_id}/assessment#findings", 303)
                context = _context(uow, patient_id)
                context.update(values={}, errors={}, notice=notice)
                return _render(request, WORKSPACE, context, actor)
        except DomainError as error:
            errors, status = domain_errors(error), refused_status(error)
    return _refused(request, actor, db, patient_id, values, errors, status, None)


@router.post("/findings/{finding_id}/edit", response_model=None)
def edit_finding(
    request: Request, finding_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    version = form_version(values)
    data, errors = validate(FindingIn, {k: values.get(k) for k in FINDING_FIELDS})
    errors = _readable(errors)
    with db.uow(actor) as uow:
        patient_id = queries.load_finding(uow, finding_id).patient_id
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                finding = service.update_finding(uow, finding_id, data, version)
                if not is_htmx(request):
                    return RedirectResponse(f"/patients/{patient_id}/assessment#findings", 303)
                context = _context(uow, patient_id)
                context.update(values={}, errors={}, notice=f"Saved: {_site(finding)}.")
                return _render(request, WORKSPACE, context, actor)
        except (PreconditionFailed, PreconditionRequired):
            return _stale(request, actor, db, patient_id, values, finding_id, version)
        except DomainError as error:
            errors, status = domain_errors(error), refused_status(error)
    values[VERSION] = version  # a corrected form still saves on the version it was opened on
    return _refused(request, actor, db, patient_id, values, errors, status, finding_id)


@router.post("/findings/{finding_id}/retire", response_model=None)
def retire_finding(
    request: Request, finding_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Retire (resolved or entered in error): off the map, still in the record."""
    version = form_version(values)
    with db.uow(actor) as uow:
        try:
            finding = service.retire_finding(uow, finding_id, version)
        except (PreconditionFailed, PreconditionRequired):
            patient_id = queries.load_finding(uow, finding_id).patient_id
            return _stale(request, actor, db, patient_id, {}, finding_id, version, editing=False)
        patient_id = finding.patient_id
        if not is_htmx(request):
            return RedirectResponse(f"/patients/{patient_id}/assessment#findings", 303)
        context = _context(uow, patient_id)
        context.update(values={}, errors={}, notice=f"Retired: {_site(finding)}.")
        return _render(request, WORKSPACE, context, actor)


def _stale(
    request: Request,
    actor: Any,
    db: Database,
    patient_id: int,
    values: dict[str, Any],
    finding_id: int,
    version: int | None,
    editing: bool = True,
) -> HTMLResponse:
    """A save refused because someone else changed the finding since: what they changed, and
    (for an edit) the form again with what this user typed, on the finding's current version."""
    with db.uow(actor) as uow:
        context = _context(uow, patient_id)
        current = next((f for f in context["findings"] if f.id == finding_id), None)
        conflict = audit.changes_since(uow, ("vein_finding",), finding_id, version)
        context.update(
            values=values if editing else {},
            errors={},
            editing=current if editing else None,
            conflict=conflict,
        )
        name = WORKSPACE if is_htmx(request) else PAGE
        return _render(request, name, context, actor, 412)


def _refused(
    request: Request,
    actor: Any,
    db: Database,
    patient_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
    editing_id: int | None,
) -> HTMLResponse:
    """The same form again with what the user typed and a message beside each field."""
    with db.uow(actor) as uow:
        context = _context(uow, patient_id)
        editing = next((f for f in context["findings"] if f.id == editing_id), None)
        context.update(values=values, errors=errors, editing=editing)
        name = WORKSPACE if is_htmx(request) else PAGE
        return _render(request, name, context, actor, status)


@router.post("/patients/{patient_id}/duplex", response_model=None)
def add_duplex(
    request: Request, patient_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Record a duplex ultrasound result (reflux found or not)."""
    for flag in DUPLEX_FLAGS:
        values[flag] = flag in values
    fields = {k: values.get(k) for k in DuplexIn.model_fields}
    data, errors = validate(DuplexIn, fields)
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                service.add_duplex(uow, patient_id, data)
            return RedirectResponse(f"/patients/{patient_id}/assessment#duplex", 303)
        except DomainError as error:
            errors, status = domain_errors(error), refused_status(error)
    with db.uow(actor) as uow:
        context = _context(uow, patient_id)
        context.update(values={}, errors={}, duplex_values=values, duplex_errors=errors)
        return render(request, PAGE, context, actor=actor, status_code=status)
