"""Pages of treatment planning: propose from the engine, edit with a reason, approve, consent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core import audit
from sclero.core.db import Actor, Database, UnitOfWork
from sclero.core.errors import (
    ContraindicationError,
    DomainError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from sclero.core.use_case import allowed
from sclero.evaluation import queries as evaluation_queries
from sclero.patients import service as patients
from sclero.planning import queries, service
from sclero.planning.choices import PlanStatus
from sclero.planning.models import PlanItem, TreatmentPlan
from sclero.planning.schemas import ApproveIn, ConsentIn, PlanIn, PlanItemEdit
from sclero.rules import STOPPING_DECISIONS
from sclero.rules.vocabulary import Agent, Technique
from sclero.web.deps import PageActor, get_db
from sclero.web.forms import FormValues, domain_errors, validate
from sclero.web.security import require_csrf
from sclero.web.templating import render
from sclero.web.versions import form_version

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]
CURRENT = (PlanStatus.DRAFT, PlanStatus.APPROVED)
TECHNIQUES = [(t.value, t.label) for t in Technique]
AGENTS = [(a.value, a.label) for a in Agent]
CONFIRM = "patient_confirms_understanding"
EDIT_FIELDS = (
    "technique",
    "agent",
    "concentration_min",
    "concentration_max",
    "max_volume_per_injection_ml",
    "reason",
)
CONSENT_FIELDS = ("signed_by_name", "representative_relationship", CONFIRM)
MESSAGES = {
    "reason": "Give the reason for departing from the proposal (at least 5 characters).",
    "signed_by_name": "Type the patient's full name as they sign (at least 2 characters).",
    "concentration_min": "Enter a concentration in % above 0 and at most 3.",
    "concentration_max": "Enter a concentration in % above 0 and at most 3.",
    "max_volume_per_injection_ml": "Enter a volume in mL above 0 and at most 10.",
}


@router.get("/patients/{patient_id}/plan", response_class=HTMLResponse)
def patient_plan(request: Request, patient_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    """The patient's current plan (draft or approved), or the way to propose one."""
    with db.uow(actor) as uow:
        return _overview(request, uow, patient_id)


@router.post("/patients/{patient_id}/plan", response_model=None)
def propose(
    request: Request, patient_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """A physician asks the engine for a draft plan; a blocking screening is refused (409)."""
    data, errors = validate(PlanIn, values)
    refusal: dict[str, Any] = {"message": next(iter(errors.values()), ""), "findings": []}
    status = 422
    if data is not None:
        status = 409
        try:
            with db.uow(actor) as uow:
                plan_id = service.propose_plan(uow, patient_id, data).id
            return RedirectResponse(f"/plans/{plan_id}", 303)
        except ContraindicationError as error:
            refusal = {"message": error.message, "findings": error.detail.get("findings", [])}
        except NotFound as error:
            if error.field != "evaluation":  # an unknown patient stays a 404
                raise
            refusal = {"message": error.message, "findings": []}
        except Forbidden:
            raise
        except DomainError as error:
            refusal = {"message": error.message, "findings": []}
    with db.uow(actor) as uow:
        return _overview(request, uow, patient_id, refusal=refusal, status=status)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_detail(request: Request, plan_id: int, actor: PageActor, db: DB) -> HTMLResponse:
    with db.uow(actor) as uow:
        plan = service.get_plan(uow, plan_id)
        return _plan_page(request, uow, plan)


@router.post("/plans/{plan_id}/items/{item_id}", response_model=None)
def edit_item(
    request: Request,
    plan_id: int,
    item_id: int,
    actor: PageActor,
    db: DB,
    values: FormValues,
) -> Response:
    """A physician changes one item; the reason for departing from the proposal is required."""
    if not allowed(actor, service.edit_item):  # refused before the form is read
        raise Forbidden(f"Your role ({actor.role}) may not change a treatment plan.")
    version = form_version(values)
    data, errors = validate(PlanItemEdit, values)
    with db.uow(actor) as uow:
        plan = service.get_plan(uow, plan_id)
        if not any(item.id == item_id for item in plan.items):
            raise NotFound(f"Plan {plan_id} has no item {item_id}.", field="item_id")
        if data is not None:
            try:
                service.edit_item(uow, item_id, data, version)
                return RedirectResponse(f"/plans/{plan_id}#item-{item_id}", 303)
            except Forbidden:
                raise
            except (PreconditionFailed, PreconditionRequired):
                # what this physician typed stays, on the item's current version
                conflict = audit.changes_since(uow, ("plan_item",), item_id, version)
                edit = {"item_id": item_id, "values": values, "errors": {}, "conflict": conflict}
                return _plan_page(
                    request, uow, service.get_plan(uow, plan_id), edit=edit, status=412
                )
            except DomainError as error:
                errors = domain_errors(error)
        shown = _fields(errors, EDIT_FIELDS)
        if "must not be above" in errors.get("request", ""):
            shown.pop("form", None)
            shown["concentration_max"] = "The highest concentration must not be below the lowest."
        values["version"] = version
        edit = {"item_id": item_id, "values": values, "errors": shown}
        return _plan_page(request, uow, service.get_plan(uow, plan_id), edit=edit, status=422)


@router.post("/plans/{plan_id}/approve", response_model=None)
def approve(
    request: Request, plan_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    version = form_version(values)
    reason = (values.get("physician_decision_reason") or "").strip() or None
    data, _ = validate(ApproveIn, {"physician_decision_reason": reason})
    with db.uow(actor) as uow:
        if data is None:
            plan = service.get_plan(uow, plan_id)
            problem = "Write the reason for your decision in a few words (at least 5 characters)."
            return _plan_page(request, uow, plan, problem=problem, status=422)
        try:
            service.approve_plan(uow, plan_id, data, version)
            return RedirectResponse(f"/plans/{plan_id}", 303)
        except Forbidden:
            raise
        except (PreconditionFailed, PreconditionRequired):
            plan = service.get_plan(uow, plan_id)
            problem = (
                "Someone else changed this plan after you opened it; nothing was approved. "
                "The plan below is as it stands now: review it, then approve again."
            )
            return _plan_page(request, uow, plan, problem=problem, status=412)
        except DomainError as error:
            plan = service.get_plan(uow, plan_id)
            return _plan_page(request, uow, plan, problem=error.message, status=409)


@router.post("/plans/{plan_id}/consent", response_model=None)
def sign_consent(
    request: Request, plan_id: int, actor: PageActor, db: DB, values: FormValues
) -> Response:
    """Record the patient's signature (typed name + confirmation of understanding)."""
    fields = {CONFIRM: False, **values}
    fields["representative_relationship"] = values.get("representative_relationship") or None
    data, errors = validate(ConsentIn, fields)
    with db.uow(actor) as uow:
        if data is not None:
            try:
                service.sign_consent(uow, plan_id, data)
                return RedirectResponse(f"/plans/{plan_id}#consent", 303)
            except Forbidden:
                raise
            except DomainError as error:
                errors = domain_errors(error)
        shown = _fields(errors, CONSENT_FIELDS)
        if "form" in shown and not values.get(CONFIRM):
            shown[CONFIRM] = shown.pop("form")
        consent = {"values": values, "errors": shown}
        plan = service.get_plan(uow, plan_id)
        return _plan_page(request, uow, plan, consent_form=consent, status=422)


def _overview(
    request: Request,
    uow: UnitOfWork,
    patient_id: int,
    refusal: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    plans = service.list_plans(uow, patient_id)
    current = next((p for p in plans if p.status in CURRENT), None)
    if current is not None:
        return _plan_page(request, uow, current, plans=plans, refusal=refusal, status=status)
    context = {
        "patient": patients.get_patient(uow, patient_id),
        "plan": None,
        "plans": plans,
        "latest": evaluation_queries.latest_evaluation(uow, patient_id),
        "refusal": refusal,
        "blocking": STOPPING_DECISIONS,
        "overview": True,
        **_may(uow.actor),
    }
    return render(request, "planning/plan.html", context, actor=uow.actor, status_code=status)


def _plan_page(
    request: Request,
    uow: UnitOfWork,
    plan: TreatmentPlan,
    *,
    plans: list[TreatmentPlan] | None = None,
    refusal: dict[str, Any] | None = None,
    edit: dict[str, Any] | None = None,
    consent_form: dict[str, Any] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    consent = queries.consent_for(uow, plan.id)
    context = {
        "patient": patients.get_patient(uow, plan.patient_id),
        "plan": plan,
        "plans": plans if plans is not None else service.list_plans(uow, plan.patient_id),
        "steps": plan_steps(plan),
        "limits": plan.proposal.get("session_limits", {}),
        "consent": consent,
        "consent_text": consent.text if consent else queries.consent_draft(plan),
        "consent_form": consent_form or {"values": {}, "errors": {}},
        "names": queries.staff_names(
            uow,
            [plan.created_by_id, plan.approved_by_id, consent.witnessed_by_id if consent else None],
        ),
        "can_edit": allowed(uow.actor, service.edit_item) and plan.status == PlanStatus.DRAFT,
        "can_sign": consent is None and plan.status == PlanStatus.APPROVED,
        "clinic": request.app.state.settings,
        "edit": edit or {},
        "refusal": refusal,
        "problem": problem,
        "techniques": TECHNIQUES,
        "agents": AGENTS,
        "overview": plans is not None,
        **_may(uow.actor),
    }
    return render(request, "planning/plan.html", context, actor=uow.actor, status_code=status)


def plan_steps(plan: TreatmentPlan) -> list[dict[str, Any]]:
    """The plan's items and referrals in the engine's treatment order (proposal["order"])."""
    proposal = plan.proposal
    items: dict[str, PlanItem] = {str(i.finding_id): i for i in plan.items}
    proposed = {str(p.get("finding_id")): p for p in proposal.get("items", [])}
    referrals = list(proposal.get("referrals", []))
    steps: list[dict[str, Any]] = []
    for step in (proposal.get("order") or {}).get("steps", []):
        if step.get("kind") == "item":
            item = items.pop(str(step.get("finding_id")), None)
            if item is not None:
                steps.append(_item_step(item, proposed, referrals))
        elif step.get("kind") == "referral":
            referral = next(
                (
                    r
                    for r in referrals
                    if r.get("code") == step.get("code") and r.get("to") == step.get("to")
                ),
                None,
            )
            if referral is not None:
                referrals.remove(referral)
                steps.append({"kind": "referral", "referral": referral})
    steps += [_item_step(i, proposed, []) for i in sorted(items.values(), key=lambda i: i.position)]
    steps += [{"kind": "referral", "referral": r} for r in referrals]
    return steps


def _item_step(
    item: PlanItem, proposed: dict[str, dict[str, Any]], referrals: list[dict[str, Any]]
) -> dict[str, Any]:
    engine = proposed.get(str(item.finding_id), {})
    return {
        "kind": "item",
        "item": item,
        "proposed": engine,
        "referred_to": [
            r.get("to")
            for r in referrals
            if str(item.finding_id) in {str(f) for f in r.get("finding_ids", [])}
        ],
    }


def _fields(errors: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
    """Messages beside the form's own fields, in the clinic's words; any other complaint (a
    whole-form check, a refused state) is shown at the top of the form."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        field = key if key in fields else "form"
        shown.setdefault(field, MESSAGES.get(field, message))
    return shown


def _may(actor: Actor) -> dict[str, bool]:
    """Which of the plan's physician actions the page offers this actor."""
    return {
        "may_propose": allowed(actor, service.propose_plan),
        "may_approve": allowed(actor, service.approve_plan),
    }
