"""What must hold before a session opens — no hold, checklist, interval, weight — and the new
session as the service adds it (helpers of the service: they neither audit nor commit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sclero.assessment import queries as assessment_queries
from sclero.charting.choices import SessionStatus
from sclero.charting.models import TreatmentSession
from sclero.charting.schemas import SessionStart
from sclero.core.auth import may_override
from sclero.core.db import UnitOfWork
from sclero.core.errors import (
    Conflict,
    ContraindicationError,
    InvalidInput,
    NeedsPhysicianDecision,
)
from sclero.core.time import utcnow
from sclero.patients import queries as patient_queries
from sclero.planning import checks as planning_checks
from sclero.planning import queries as planning_queries
from sclero.rules import session_limits

if TYPE_CHECKING:  # the type only: charting reads plans through planning's service
    from sclero.planning.models import TreatmentPlan


def require_weight_confirmed(uow: UnitOfWork, evaluated: float, data: SessionStart) -> None:
    """Today's weight sets the dose ceiling: one far from the evaluated weight (the protocol's
    `session_weight_change`) is a typing slip or a real change, and a physician confirms it."""
    if not data.weight_kg or not evaluated:
        return
    rule = uow.protocol.session_weight_change
    change = abs(data.weight_kg - evaluated) / evaluated * 100
    if change <= rule.max_percent or (data.weight_confirmed and may_override(uow.actor)):
        return
    unconfirmed = "" if rule.confirmed else " — unconfirmed"
    raise NeedsPhysicianDecision(
        f"Today's weight ({data.weight_kg:g} kg) differs from the evaluated weight "
        f"({evaluated:g} kg) by {change:.0f} %, more than {rule.max_percent:g} % "
        f"({', '.join(rule.sources)}{unconfirmed}). It sets the session's dose limit: "
        "a physician confirms it, or re-weigh the patient.",
        field="weight_kg",
        evaluated_kg=evaluated,
        change_percent=round(change, 1),
        max_percent=rule.max_percent,
        sources=list(rule.sources),
        confirmed=rule.confirmed,
    )


def require_no_hold(uow: UnitOfWork, patient_id: int) -> None:
    """An urgent adverse event holds every new session until a physician has reviewed it."""
    holds = patient_queries.open_holds(uow, patient_id)
    if holds:
        raise Conflict(
            f"No new session: {holds[0].summary} awaits a physician's review "
            "(on the patient's adverse events page).",
            field="hold",
        )


def flush_new_session(uow: UnitOfWork, session: TreatmentSession) -> None:
    """Add the session; the database refuses an appointment of another patient (or none)."""
    uow.session.add(session)
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise InvalidInput(
            "That appointment does not exist or belongs to another patient.", "appointment_id"
        ) from error


def open_session_of(uow: UnitOfWork, patient_id: int) -> TreatmentSession | None:
    return uow.session.scalar(
        select(TreatmentSession).where(
            TreatmentSession.patient_id == patient_id, TreatmentSession.status == SessionStatus.OPEN
        )
    )


def require_checklist(uow: UnitOfWork, data: SessionStart) -> None:
    """Every item confirmed; one refusal names every unticked item, and is a contraindication
    when any of them is one the protocol marks `contraindication`."""
    items = {item.code: item for item in uow.protocol.spec.checklist}
    missing = [name for name, confirmed in data.checklist.model_dump().items() if not confirmed]
    if not missing:
        return
    stops = any(
        items[name].stops == "contraindication" if name in items else True for name in missing
    )
    words = [f"“{items[name].label if name in items else name}”" for name in missing]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    verb = "is" if len(words) == 1 else "are"
    error = ContraindicationError if stops else InvalidInput
    raise error(
        f"{listed} {verb} not confirmed: do not inject today. Re-evaluate the patient if their "
        "situation changed.",
        field=f"checklist.{missing[0]}",
        unconfirmed=missing,
    )


def plan_regions(uow: UnitOfWork, plan_id: int) -> list[str]:
    plan = planning_queries.load_plan(uow, plan_id)
    regions = {
        assessment_queries.load_finding(uow, item.finding_id).region
        for item in plan.items
        if item.finding_id is not None and item.technique != "refer"
    }
    return sorted(regions)


def ready_plan(uow: UnitOfWork, patient_id: int) -> TreatmentPlan:
    """The approved, consented plan a new session follows, with a current screening whose
    decisions are settled; refused when the patient already has an open session."""
    plan = planning_queries.active_plan(uow, patient_id)
    if plan is None:
        raise Conflict("This patient has no approved treatment plan.", field="plan")
    if planning_queries.consent_for(uow, plan.id) is None:
        raise Conflict("The plan has no signed consent yet.", field="consent")
    if open_session_of(uow, patient_id) is not None:
        raise Conflict("This patient already has an open session: close it first.", "session")
    planning_checks.require_decided(
        plan, planning_checks.require_current_screening(uow, patient_id, plan.evaluation_id)
    )
    return plan


def new_session(
    uow: UnitOfWork, patient_id: int, plan_id: int, weight_kg: float, data: SessionStart
) -> TreatmentSession:
    """The open session, its limits fixed now from today's weight and the protocol in force."""
    return TreatmentSession(
        patient_id=patient_id,
        plan_id=plan_id,
        appointment_id=data.appointment_id,
        status=SessionStatus.OPEN,
        started_at=utcnow(),
        performed_by_id=uow.actor.user_id,
        checklist=data.checklist.model_dump(),
        weight_kg=weight_kg,
        limits=session_limits(weight_kg, uow.protocol).to_document(),
        protocol_version=uow.protocol.version,
        interval_override_reason=data.interval_override_reason if may_override(uow.actor) else None,
        notes=data.notes,
    )
