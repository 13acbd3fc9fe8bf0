"""The checks a plan passes before it is approved and before each session: the screening it was
made from is still current, nothing stops treatment, and every physician decision is written."""

from __future__ import annotations

from sclero.core.db import UnitOfWork
from sclero.core.errors import (
    Conflict,
    ContraindicationError,
    NeedsPhysicianDecision,
)
from sclero.evaluation import queries as evaluation_queries
from sclero.planning.models import TreatmentPlan
from sclero.rules import EvaluationResult, ScreeningFinding


def require_current_screening(
    uow: UnitOfWork, patient_id: int, evaluation_id: int
) -> EvaluationResult:
    """A plan is approved and carried out only on the screening it was made from, and only while
    that screening — with the history and the vein findings as they stand now — still allows
    treatment. Returns the screening as it stands now."""
    latest, result = evaluation_queries.current_screening(uow, patient_id)
    if latest.id != evaluation_id:
        raise Conflict(
            "The patient was re-evaluated after this plan was made: propose and approve a new "
            "plan from the new screening first.",
            field="plan",
        )
    refuse_if_blocked(result)
    return result


def refuse_if_blocked(result: EvaluationResult) -> None:
    """Refuse planning or a session when the screening contraindicates or defers treatment,
    naming every reason with its sources."""
    if result.stops_treatment:
        raise ContraindicationError(
            f"No treatment now: {result.refusal()}",
            field="evaluation",
            findings=[f.to_document() for f in result.findings],
        )


def pending_decisions(result: EvaluationResult, plan: TreatmentPlan) -> list[ScreeningFinding]:
    """Referrals and relative contraindications of the screening as it stands now that no
    physician's written decision on this plan covers (a recorded duplex resolves its own)."""
    covered = set(plan.physician_decision_codes or [])
    return [f for f in result.physician_decisions if f.rule.code not in covered]


def require_decided(plan: TreatmentPlan, result: EvaluationResult) -> None:
    """A referral or relative contraindication that appeared after approval (e.g. a varicose
    vein mapped since) stops the session until a physician decides on it."""
    pending = pending_decisions(result, plan)
    if pending:
        raise NeedsPhysicianDecision(
            needs_decision_message(pending)
            + " The approved plan does not cover it: a physician approves a new plan.",
            field="plan",
            findings=[f.to_document() for f in pending],
        )


def needs_decision_message(pending: list[ScreeningFinding]) -> str:
    return (
        "A physician's decision is needed first: "
        + "; ".join(f.explained() for f in pending)
        + ". Resolve it (e.g. record the duplex) or, as the physician, give a written reason."
    )
