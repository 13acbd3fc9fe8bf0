"""The one door to treatment plans: engine proposal, a physician's edits, approval, consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sclero.core import audit
from sclero.core.auth import Role, User
from sclero.core.db import UnitOfWork
from sclero.core.errors import Conflict, ContraindicationError
from sclero.core.protocol import current_protocol
from sclero.core.time import utcnow
from sclero.evaluation import service as evaluations
from sclero.patients import service as patients
from sclero.planning.choices import PlanStatus
from sclero.planning.consent import consent_text
from sclero.planning.models import Consent, PlanItem, TreatmentPlan
from sclero.planning.schemas import ConsentIn, PlanIn, PlanItemEdit

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)
BLOCKING_DECISIONS = {"contraindicated", "defer"}


def propose_plan(uow: UnitOfWork, patient_id: int, data: PlanIn) -> TreatmentPlan:
    """A draft plan from the engine, for the latest screening answers and today's findings.
    The interval between sessions does not bar a plan: it is checked when a session is booked
    and when it starts."""
    uow.require_role(Role.PHYSICIAN)
    evaluation, result = evaluations.current_screening(uow, patient_id)
    refuse_if_blocked(result)
    plan = plan_from_result(patient_id, evaluation.id, evaluation.answers["weight_kg"], result)
    plan.created_by_id = uow.actor.user_id
    plan.notes = data.notes
    uow.session.add(plan)
    uow.session.flush()
    audit.record(uow, "create", "treatment_plan", plan.id, patient_id=patient_id)
    uow.commit()
    return plan


def require_current_screening(
    uow: UnitOfWork, patient_id: int, evaluation_id: int
) -> dict[str, Any]:
    """A plan is approved and carried out only on the screening it was made from, and only while
    that screening — with the history as it stands now — still allows treatment. Returns the
    screening (decision and findings) as it stands now."""
    latest, result = evaluations.current_screening(uow, patient_id)
    if latest.id != evaluation_id:
        raise Conflict(
            "The patient was re-evaluated after this plan was made: propose and approve a new "
            "plan from the new screening first.",
            field="plan",
        )
    refuse_if_blocked(result)
    screening: dict[str, Any] = result["screening"]
    return screening


def refuse_if_blocked(result: dict[str, Any]) -> None:
    """Refuse treatment planning or a session when the screening contraindicates or defers it."""
    screening = result["screening"]
    if screening["decision"] in BLOCKING_DECISIONS:
        reasons = "; ".join(
            f["message"] for f in screening["findings"] if f["kind"] in {"absolute", "relative"}
        )
        raise ContraindicationError(
            f"No plan can be made: the screening says {screening['decision']}. {reasons}",
            field="evaluation",
            findings=screening["findings"],
        )


def plan_from_result(
    patient_id: int, evaluation_id: int, weight_kg: float, result: dict[str, Any]
) -> TreatmentPlan:
    """A draft plan (not yet added to the session) from an engine result document."""
    plan_doc = result["plan"]
    limits = plan_doc["session_limits"]
    protocol = current_protocol()
    plan = TreatmentPlan(
        patient_id=patient_id,
        evaluation_id=evaluation_id,
        status=PlanStatus.DRAFT,
        protocol_id=result["protocol"]["id"],
        protocol_version=result["protocol"]["version"],
        proposal=plan_doc,
        weight_kg=weight_kg,
        max_agent_mg=limits.get("max_agent_mg"),
        max_foam_ml=limits.get("max_foam_ml"),
        max_liquid_ml=limits.get("max_liquid_ml"),
        expected_sessions=_expected_sessions(plan_doc),
        interval_days=protocol.interval_days,
        compression=plan_doc.get("compression"),
    )
    for position, item in enumerate(plan_doc["items"]):
        concentration = item.get("concentration_percent") or {}
        plan.items.append(
            PlanItem(
                finding_id=int(item["finding_id"]),
                position=position,
                vein_type=item["vein_type"],
                technique=item["technique"],
                agent=item.get("agent"),
                concentration_min=concentration.get("min"),
                concentration_max=concentration.get("max"),
                max_volume_per_injection_ml=item.get("max_volume_per_injection_ml"),
                sources=list(item.get("sources", [])),
            )
        )
    return plan


def _expected_sessions(plan_doc: dict[str, Any]) -> str | None:
    expected = plan_doc.get("expected_sessions")
    if isinstance(expected, dict):
        low, high = expected.get("min"), expected.get("max")
        return f"{low}–{high}" if low != high else str(low)
    return None if expected is None else str(expected)


def load_plan(uow: UnitOfWork, plan_id: int) -> TreatmentPlan:
    return uow.get(TreatmentPlan, plan_id, field="plan_id")


def get_plan(uow: UnitOfWork, plan_id: int) -> TreatmentPlan:
    uow.require_role(*CLINICAL_ROLES)
    plan = load_plan(uow, plan_id)
    audit.record(uow, "read", "treatment_plan", plan.id, patient_id=plan.patient_id)
    return plan


def list_plans(uow: UnitOfWork, patient_id: int) -> list[TreatmentPlan]:
    query = (
        select(TreatmentPlan)
        .where(TreatmentPlan.patient_id == patient_id)
        .order_by(TreatmentPlan.id.desc())
        .options(selectinload(TreatmentPlan.items))  # the chart counts them: no N+1
    )
    return patients.read_record(uow, patient_id, "treatment_plan", query)


def edit_item(uow: UnitOfWork, item_id: int, data: PlanItemEdit) -> PlanItem:
    """A physician departs from the proposal for one item, with a written reason."""
    uow.require_role(Role.PHYSICIAN)
    item = uow.get(PlanItem, item_id, field="item_id")
    if item.plan.status != PlanStatus.DRAFT:
        raise Conflict("Only a draft plan can be edited; start a new plan instead.", "plan")
    changes = data.model_dump(exclude={"reason"}, exclude_none=True)
    allergies = {a.allergen for a in patients.load_patient(uow, item.plan.patient_id).allergies}
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
    audit.record(
        uow,
        "update",
        "plan_item",
        item.id,
        patient_id=item.plan.patient_id,
        detail={"fields": sorted(changes), "reason": data.reason},
    )
    uow.commit()
    return item


def approve_plan(uow: UnitOfWork, plan_id: int) -> TreatmentPlan:
    """The physician approves a draft; earlier approved plans of the patient are superseded."""
    uow.require_role(Role.PHYSICIAN)
    plan = load_plan(uow, plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"This plan is {plan.status}; only a draft can be approved.", "plan")
    require_current_screening(uow, plan.patient_id, plan.evaluation_id)
    for other in uow.session.scalars(
        select(TreatmentPlan).where(
            TreatmentPlan.patient_id == plan.patient_id, TreatmentPlan.status == PlanStatus.APPROVED
        )
    ):
        other.status = PlanStatus.SUPERSEDED
    plan.status = PlanStatus.APPROVED
    plan.approved_by_id = uow.actor.user_id
    plan.approved_at = utcnow()
    audit.record(uow, "approve", "treatment_plan", plan.id, patient_id=plan.patient_id)
    uow.commit()
    return plan


def sign_consent(uow: UnitOfWork, plan_id: int, data: ConsentIn) -> Consent:
    """Record the patient's signed consent to the plan, with the text they were given."""
    uow.require_role(*CLINICAL_ROLES)
    plan = load_plan(uow, plan_id)
    if plan.status != PlanStatus.APPROVED:
        raise Conflict(
            f"This plan is {plan.status}: the patient consents to the approved plan, so that "
            "what they sign is what will be done.",
            "plan",
        )
    consent = Consent(
        patient_id=plan.patient_id,
        plan_id=plan.id,
        text=consent_text(plan, uow.protocol),
        signed_by_name=data.signed_by_name,
        signed_at=utcnow(),
        witnessed_by_id=uow.actor.user_id,
    )
    uow.session.add(consent)
    uow.session.flush()
    audit.record(uow, "create", "consent", consent.id, patient_id=plan.patient_id)
    uow.commit()
    return consent


def consent_for(uow: UnitOfWork, plan_id: int) -> Consent | None:
    """The newest consent signed for a plan (helper; no audit)."""
    return uow.session.scalar(
        select(Consent).where(Consent.plan_id == plan_id).order_by(Consent.id.desc()).limit(1)
    )


def active_plan(uow: UnitOfWork, patient_id: int) -> TreatmentPlan | None:
    """The patient's approved plan (helper; no audit)."""
    return uow.session.scalar(
        select(TreatmentPlan)
        .where(TreatmentPlan.patient_id == patient_id, TreatmentPlan.status == PlanStatus.APPROVED)
        .order_by(TreatmentPlan.id.desc())
        .limit(1)
    )


def consent_draft(plan: TreatmentPlan) -> str:
    """The consent text the patient would sign for this plan now (nothing is stored)."""
    return consent_text(plan, current_protocol())


def staff_names(uow: UnitOfWork, user_ids: list[int | None]) -> dict[int, str]:
    """Full names of the staff who proposed, approved or witnessed (for display; no audit)."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}
