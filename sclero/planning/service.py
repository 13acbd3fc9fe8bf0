"""The one door to treatment plans: engine proposal, a physician's edits, approval, consent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import (
    Conflict,
    ContraindicationError,
    InvalidInput,
    NeedsPhysicianDecision,
)
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version, snapshot
from sclero.evaluation import queries as evaluation_queries
from sclero.patients import queries as patient_queries
from sclero.planning.checks import (
    needs_decision_message,
    pending_decisions,
    refuse_if_blocked,
    require_current_screening,
)
from sclero.planning.choices import PlanStatus
from sclero.planning.consent import consent_text, signed_by_patient
from sclero.planning.models import Consent, PlanItem, TreatmentPlan
from sclero.planning.queries import consent_for, load_plan, plan_from_result
from sclero.planning.schemas import ApproveIn, ConsentIn, PlanIn, PlanItemEdit

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(Role.PHYSICIAN)
def propose_plan(uow: UnitOfWork, patient_id: int, data: PlanIn) -> TreatmentPlan:
    """A draft plan from the engine, for the latest screening answers and today's findings.
    The interval between sessions does not bar a plan: it is checked when a session is booked
    and when it starts."""
    evaluation, result = evaluation_queries.current_screening(uow, patient_id)
    refuse_if_blocked(result)
    plan = plan_from_result(patient_id, evaluation.id, evaluation.answers["weight_kg"], result)
    plan.created_by_id = uow.actor.user_id
    plan.notes = data.notes
    uow.session.add(plan)
    uow.session.flush()
    audit.record(uow, "create", "treatment_plan", plan.id, patient_id=patient_id)
    uow.commit()
    return plan


@use_case(*CLINICAL_ROLES)
def get_plan(uow: UnitOfWork, plan_id: int) -> TreatmentPlan:
    plan = load_plan(uow, plan_id)
    audit.record(uow, "read", "treatment_plan", plan.id, patient_id=plan.patient_id)
    return plan


@use_case(*CLINICAL_ROLES)
def list_plans(uow: UnitOfWork, patient_id: int) -> list[TreatmentPlan]:
    query = (
        select(TreatmentPlan)
        .where(TreatmentPlan.patient_id == patient_id)
        .order_by(TreatmentPlan.id.desc())
        .options(selectinload(TreatmentPlan.items))  # the chart counts them: no N+1
    )
    return patient_queries.read_record(uow, patient_id, "treatment_plan", query)


@use_case(Role.PHYSICIAN)
def edit_item(uow: UnitOfWork, item_id: int, data: PlanItemEdit, version: int | None) -> PlanItem:
    """A physician departs from the proposal for one item, with a written reason; made on
    `version` of the item. The plan gets a new version too: an approval must see the edit."""
    item = uow.get(PlanItem, item_id, field="item_id")
    check_version(item, version)
    before = snapshot(item, ITEM_FIELDS)
    if item.plan.status != PlanStatus.DRAFT:
        raise Conflict("Only a draft plan can be edited; start a new plan instead.", "plan")
    changes = data.model_dump(exclude={"reason"}, exclude_none=True)
    allergies = {
        a.allergen for a in patient_queries.load_patient(uow, item.plan.patient_id).allergies
    }
    if changes.get("agent") in allergies:
        raise ContraindicationError(
            f"The patient is allergic to {changes['agent']}: choose another agent.", "agent"
        )
    for name, value in changes.items():
        setattr(item, name, value)
    if item.technique == "refer":  # referred veins are not injected here
        item.agent = item.concentration_min = item.concentration_max = None
        item.max_volume_per_injection_ml = None
    item.departs_from_proposal = True
    item.departure_reason = data.reason
    item.plan.updated_at = utcnow()
    audit.record_change(
        uow,
        "update",
        "plan_item",
        item,
        before,
        patient_id=item.plan.patient_id,
        detail={"reason": data.reason},
    )
    uow.commit()
    return item


@use_case(Role.PHYSICIAN)
def approve_plan(
    uow: UnitOfWork, plan_id: int, data: ApproveIn | None, version: int | None
) -> TreatmentPlan:
    """The physician approves a draft, as they saw it (`version`), on the screening as it stands
    now; a referral or relative contraindication it raises needs the physician's written reason
    (audited). Earlier approved plans of the patient are superseded."""
    plan = load_plan(uow, plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"This plan is {plan.status}; only a draft can be approved.", "plan")
    check_version(plan, version)
    result = require_current_screening(uow, plan.patient_id, plan.evaluation_id)
    pending = pending_decisions(result, plan)
    reason = data.physician_decision_reason if data is not None else None
    if pending and not reason:
        raise NeedsPhysicianDecision(
            needs_decision_message(pending),
            field="physician_decision_reason",
            findings=[f.to_document() for f in pending],
        )
    if pending:
        plan.physician_decision_codes = sorted(f.rule.code for f in pending)
        plan.physician_decision_reason = reason
        plan.physician_decision_by_id = uow.actor.user_id
    for other in uow.session.scalars(
        select(TreatmentPlan).where(
            TreatmentPlan.patient_id == plan.patient_id, TreatmentPlan.status == PlanStatus.APPROVED
        )
    ):
        other.status = PlanStatus.SUPERSEDED
    plan.status = PlanStatus.APPROVED
    plan.approved_by_id = uow.actor.user_id
    plan.approved_at = utcnow()
    detail = {"decided": plan.physician_decision_codes, "reason": reason} if pending else None
    audit.record(
        uow, "approve", "treatment_plan", plan.id, patient_id=plan.patient_id, detail=detail
    )
    uow.commit()
    return plan


ITEM_FIELDS = (
    "technique", "agent", "concentration_min", "concentration_max", "max_volume_per_injection_ml"
)  # fmt: skip
"""What an item edit's audit row keeps the old and new value of."""


@use_case(*CLINICAL_ROLES)
def sign_consent(uow: UnitOfWork, plan_id: int, data: ConsentIn) -> Consent:
    """Record the patient's signed consent to the plan, with the text they were given."""
    plan = uow.get(TreatmentPlan, plan_id, field="plan_id", for_update=True)  # one signature
    if plan.status != PlanStatus.APPROVED:
        raise Conflict(
            f"This plan is {plan.status}: the patient consents to the approved plan, so that "
            "what they sign is what will be done.",
            "plan",
        )
    if consent_for(uow, plan.id) is not None:
        raise Conflict("Consent to this plan is already signed.", "consent")
    patient = patient_queries.load_patient(uow, plan.patient_id)
    if data.representative_relationship is None and not signed_by_patient(
        data.signed_by_name, patient.first_name, patient.last_name
    ):
        raise InvalidInput(
            f"The name signed is not the patient's ({patient.first_name} {patient.last_name}). "
            "If a representative signs, give their relationship to the patient.",
            "signed_by_name",
        )
    consent = Consent(
        patient_id=plan.patient_id,
        plan_id=plan.id,
        text=consent_text(plan, uow.protocol),
        signed_by_name=data.signed_by_name,
        representative_relationship=data.representative_relationship,
        signed_at=utcnow(),
        witnessed_by_id=uow.actor.user_id,
    )
    uow.session.add(consent)
    uow.session.flush()
    audit.record(uow, "create", "consent", consent.id, patient_id=plan.patient_id)
    uow.commit()
    return consent
