"""Pages of session charting (the treatment room): the pre-procedure checklist, injections on the
body map under the dose guard with a live tally, closing, and the patient's aftercare sheet."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.assessment import queries as assessment_queries
from sclero.assessment import service as assessment
from sclero.charting import aftercare, queries, service
from sclero.charting.choices import SessionStatus
from sclero.charting.schemas import (
    CHECKLIST_ITEMS,
    InjectionCorrection,
    InjectionIn,
    InjectionVoid,
    SessionClose,
    SessionStart,
)
from sclero.core.auth import may_override
from sclero.core.db import Database, UnitOfWork
from sclero.core.errors import DepartsFromPlan, DomainError, DoseLimitExceeded
from sclero.patients import queries as patient_queries
from sclero.patients import service as patients
from sclero.planning import queries as planning_queries
from sclero.planning import service as planning
from sclero.rules.vocabulary import Agent, Region, Side
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import (
    FormValues,
    domain_errors,
    form_values,
    is_htmx,
    refused_status,
    validate,
)
from sclero.web.security import require_csrf
from sclero.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
INJECTION_FIELDS = tuple(InjectionIn.model_fields)
STICKY = tuple(f for f in INJECTION_FIELDS if f != "override_reason")  # kept for the next one
START_FIELDS = ("weight_kg", "interval_override_reason", "notes", "appointment_id")
CONFIRM_WEIGHT = "weight_confirmed"
WORKSPACE = "charting/_workspace.html"
PARTIAL = {"X-Sclero-Partial": "1"}


# --- start: the pre-procedure checklist --------------------------------------------------------


def _start_context(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    sessions = service.list_sessions(uow, patient_id)  # role check + audit
    plan = planning_queries.active_plan(uow, patient_id)
    findings = {f.id: f for f in assessment.list_findings(uow, patient_id)}
    return {
        "patient": patients.get_patient(uow, patient_id),
        "plan": plan,
        "consent": planning_queries.consent_for(uow, plan.id) if plan else None,
        "open_session": next((s for s in sessions if s.status == SessionStatus.OPEN), None),
        "findings_by_id": findings,
        "items": uow.protocol.checklist_labels,
        "holds": patient_queries.open_holds(uow, patient_id),
        "weight_rule": uow.protocol.session_weight_change,
        "may_override": may_override(uow.actor),
    }


@router.get("/patients/{patient_id}/session/new", response_class=HTMLResponse)
def new_session(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    appointment_id: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    """The checklist and today's weight; nothing is charted before every item is confirmed."""
    with db.uow(actor) as uow:
        context = _start_context(uow, patient_id)
        values: dict[str, Any] = {"checklist": [], "appointment_id": appointment_id}
        context.update(values=values, errors={})
        return render(request, "charting/start.html", context, actor=actor)


@router.post("/patients/{patient_id}/session/new", response_model=None)
def start_session(
    request: Request,
    patient_id: int,
    actor: PageActor,
    db: DB,
    values: Annotated[dict[str, Any], Depends(form_values(("checklist",)))],
) -> Response:
    checked = set(values["checklist"])
    fields = {k: values.get(k) for k in START_FIELDS}
    fields["checklist"] = {name: name in checked for name in CHECKLIST_ITEMS}
    fields[CONFIRM_WEIGHT] = values.get(CONFIRM_WEIGHT) == "true"
    data, errors = validate(SessionStart, fields)
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                session_id = service.start_session(uow, patient_id, data).id
            return RedirectResponse(f"/sessions/{session_id}", 303)
        except DomainError as error:
            errors, status = domain_errors(error), refused_status(error)
    errors = {k.replace("checklist.", "checklist-"): v for k, v in errors.items()}
    with db.uow(actor) as uow:
        context = _start_context(uow, patient_id)
        context.update(values=values, errors=errors)
        return render(request, "charting/start.html", context, actor=actor, status_code=status)


# --- the session: injections, tally, close -----------------------------------------------------


def _plan_guides(plan: Any, findings: dict[int, Any]) -> list[dict[str, Any]]:
    """The plan's items that can be injected, with their site, to guide the form's defaults."""
    guides = []
    for item in plan.items:
        finding = findings.get(item.finding_id) if item.finding_id else None
        guides.append({"item": item, "finding": finding})
    return guides


def _defaults(plan: Any) -> dict[str, Any]:
    """The injection form's first values: agent, technique and lowest concentration of the
    plan's first injectable item (the plan guides; the user decides)."""
    item = next((i for i in plan.items if i.technique != "refer" and i.agent), None)
    if item is None:
        return {}
    values: dict[str, Any] = {"agent": item.agent, "technique": item.technique}
    if item.concentration_min is not None:
        values["concentration_percent"] = f"{item.concentration_min:g}"
    if item.technique == "foam":
        values["liquid_gas_ratio"] = queries.foam_ratio_default()
    return values


def _compression_text(compression: dict[str, Any] | None) -> str:
    if not compression or not compression.get("required"):
        return "None needed (per plan)"
    low, high = compression.get("min_days"), compression.get("max_days")
    days = f"{low}–{high}" if low != high else f"{high}"
    return f"Compression stockings or bandages, {days} days"


def _session_context(uow: UnitOfWork, session_id: int) -> dict[str, Any]:
    session = service.get_session(uow, session_id)
    plan = planning.get_plan(uow, session.plan_id)
    findings = {f.id: f for f in assessment.list_findings(uow, session.patient_id)}
    return {
        "session": session,
        "patient": patients.get_patient(uow, session.patient_id),
        "plan": plan,
        "guides": _plan_guides(plan, findings),
        "findings": list(findings.values()),
        "findings_by_id": findings,
        "tally": service.tally(uow, session_id),
        "foam_ratio": queries.foam_ratio_default(),
        "face_note": assessment_queries.face_note(),
        "choices": {
            "sides": [(s.value, s.label) for s in Side],
            "regions": [(r.value, r.label) for r in Region],
            "agents": [(a.value, a.label) for a in Agent],
            "techniques": [("liquid", "Liquid"), ("foam", "Foam")],
        },
        "values": _defaults(plan),
        "errors": {},
        "form_errors": [],
        "refusal": None,
        "notice": None,
        "close_values": {"compression_given": _compression_text(plan.compression)},
        "close_errors": {},
        "may_override": may_override(uow.actor),
        "correction": None,
    }


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    with db.uow(actor) as uow:
        context = _session_context(uow, session_id)
        return render(request, "charting/session.html", context, actor=actor)


@router.post("/sessions/{session_id}/injections", response_model=None)
def add_injection(
    request: Request, session_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Chart one injection; a refusal comes back beside the form with the numbers and the
    typed values, and nothing is saved."""
    data, errors = validate(InjectionIn, {k: values.get(k) for k in INJECTION_FIELDS})
    errors = {("liquid_gas_ratio" if k == "request" else k): v for k, v in errors.items()}
    refusal, status, notice = None, 422, None
    if data is not None:
        try:
            with db.uow(actor) as uow:
                injection, precautions = service.add_injection(uow, session_id, data)
            notice = _charted_notice(injection, precautions)
            status = 200
        except (DoseLimitExceeded, DepartsFromPlan) as error:
            refusal, status = _refusal(error), 409
        except DomainError as error:
            errors, status = domain_errors(error), refused_status(error)
    if status == 200 and not is_htmx(request):
        return RedirectResponse(f"/sessions/{session_id}#injections", 303)
    with db.uow(actor) as uow:
        context = _session_context(uow, session_id)
        kept = {k: values.get(k) for k in STICKY} if status == 200 else values
        shown = {*INJECTION_FIELDS} - (
            {"override_reason"} if not context["may_override"] else set()
        )
        context.update(
            values=kept,
            errors=errors,
            form_errors=[m for k, m in errors.items() if k not in shown],
            refusal=refusal,
            notice=notice,
        )
        name = WORKSPACE if is_htmx(request) else "charting/session.html"
        headers = PARTIAL if is_htmx(request) else None
        return render(request, name, context, actor=actor, status_code=status, headers=headers)


@router.post("/injections/{injection_id}/void", response_model=None)
def void_injection(
    request: Request, injection_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Void a charting error with a reason; it stays on the chart, struck through."""
    data, errors = validate(InjectionVoid, {"reason": values.get("reason")})
    return _correction(request, actor, db, injection_id, data, errors, values)


@router.post("/injections/{injection_id}/correct", response_model=None)
def correct_injection(
    request: Request, injection_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Correct an injection: the original voided with the reason, the correction charted."""
    fields = {k: values.get(k) for k in CORRECTED_FIELDS if values.get(k) not in (None, "")}
    data, errors = validate(InjectionCorrection, {"reason": values.get("reason"), **fields})
    return _correction(request, actor, db, injection_id, data, errors, values)


CORRECTED_FIELDS = ("concentration_percent", "volume_ml", "lot_number", "override_reason")


def _correction(
    request: Request,
    actor: Any,
    db: Database,
    injection_id: int,
    data: InjectionVoid | InjectionCorrection | None,
    errors: dict[str, str],
    values: dict[str, Any],
) -> Response:
    with db.uow(actor) as uow:
        session_id = service.injection_session_id(uow, injection_id)
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                if isinstance(data, InjectionVoid):
                    service.void_injection(uow, injection_id, data)
                else:
                    service.correct_injection(uow, injection_id, data)
            return RedirectResponse(f"/sessions/{session_id}#injections", 303)
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            errors, status = domain_errors(error), refused_status(error)
    with db.uow(actor) as uow:
        context = _session_context(uow, session_id)
        context["correction"] = {"id": injection_id, "values": values, "errors": errors}
        return render(request, "charting/session.html", context, actor=actor, status_code=status)


def _charted_notice(injection: Any, precautions: list[dict[str, Any]]) -> dict[str, Any]:
    site = f"{Side(injection.side).label} {Region(injection.region).label.lower()}"
    text = (
        f"Charted: {site}, {injection.volume_ml:g} mL of {injection.concentration_percent:g} % "
        f"{Agent(injection.agent).label.lower()} ({injection.technique})."
    )
    return {"text": text, "precautions": precautions}


def _refusal(error: DoseLimitExceeded | DepartsFromPlan) -> dict[str, Any]:
    detail = error.detail
    violations = detail.get("violations") or []
    return {
        "message": error.message,
        "given": detail.get("given"),
        "limit": detail.get("limit"),
        "remaining": detail.get("remaining"),
        "unit": violations[0].get("unit", "") if violations else "",  # departures have none
        "violations": violations,
    }


@router.get("/sessions/{session_id}/tally", response_class=HTMLResponse)
def tally(request: Request, session_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """The live tally (HTMX partial): totals against the limits, what remains, precautions."""
    with db.uow(actor) as uow:
        context: dict[str, Any] = {"session": queries.load_session(uow, session_id)}
        context["tally"] = service.tally(uow, session_id)
        return render(request, "charting/_tally.html", context, actor=actor)


@router.post("/sessions/{session_id}/close", response_model=None)
def close_session(
    request: Request, session_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Close with the compression given and the aftercare confirmed, then offer the sheet."""
    values["aftercare_given"] = bool(values.get("aftercare_given"))
    data, errors = validate(SessionClose, {k: values.get(k) for k in SessionClose.model_fields})
    errors = {("aftercare_given" if k == "request" else k): v for k, v in errors.items()}
    status = 422
    if data is not None:
        try:
            with db.uow(actor) as uow:
                service.close_session(uow, session_id, data)
            return RedirectResponse(f"/sessions/{session_id}#aftercare", 303)
        except DomainError as error:
            errors, status = domain_errors(error), refused_status(error)
    with db.uow(actor) as uow:
        context = _session_context(uow, session_id)
        context.update(close_values=values, close_errors=errors)
        return render(request, "charting/session.html", context, actor=actor, status_code=status)


# --- the aftercare sheet -----------------------------------------------------------------------


@router.get("/sessions/{session_id}/aftercare", response_class=HTMLResponse)
def aftercare_sheet(request: Request, session_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """The patient's printable aftercare sheet."""
    with db.uow(actor) as uow:
        sheet = aftercare.build_sheet(uow, session_id)
    return render(request, "charting/aftercare.html", {"sheet": sheet, "pdf": False}, actor=actor)


@router.get("/sessions/{session_id}/aftercare.pdf")
def aftercare_pdf(session_id: int, actor: PageActor, db: DB) -> Response:
    """The same sheet as a PDF (WeasyPrint) to print or hand over."""
    with db.uow(actor) as uow:
        sheet = aftercare.build_sheet(uow, session_id)
    html = templates.env.get_template("charting/aftercare.html").render(sheet=sheet, pdf=True)
    filename = f"aftercare-session-{session_id}.pdf"
    return Response(
        aftercare.to_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
