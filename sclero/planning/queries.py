"""What other code reads from planning: the plan in force, its consent, a draft plan from the
engine's result, staff names for display (no role check, no audit, no commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sclero.core.auth import User
from sclero.core.db import UnitOfWork
from sclero.core.protocol import current_protocol
from sclero.planning.choices import PlanStatus
from sclero.planning.consent import consent_text
from sclero.planning.models import Consent, PlanItem, TreatmentPlan
from sclero.rules import EvaluationResult


def plan_from_result(
    patient_id: int, evaluation_id: int, weight_kg: float, result: EvaluationResult
) -> TreatmentPlan:
    """A draft plan (not yet added to the session) from the engine's result."""
    plan_doc = result.to_document()["plan"]
    limits = result.session_limits
    plan = TreatmentPlan(
        patient_id=patient_id,
        evaluation_id=evaluation_id,
        status=PlanStatus.DRAFT,
        protocol_id=result.protocol.id,
        protocol_version=result.protocol.version,
        proposal=plan_doc,
        weight_kg=weight_kg,
        max_agent_mg=limits.max_agent_mg,
        max_foam_ml=limits.max_foam_ml,
        max_liquid_ml=limits.max_liquid_ml,
        expected_sessions=_expected_sessions(plan_doc),
        interval_days=result.protocol.interval_days,
        compression=plan_doc.get("compression"),
    )
    for position, item in enumerate(result.items):
        row, choice = item.choice.concentration, item.choice
        plan.items.append(
            PlanItem(
                finding_id=int(item.finding.id),
                position=position,
                vein_type=item.finding.vein_type,
                technique=choice.technique,
                agent=choice.agent,
                concentration_min=row.min if row else None,
                concentration_max=row.max if row else None,
                max_volume_per_injection_ml=choice.max_volume_ml,
                sources=list(choice.sources),
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
