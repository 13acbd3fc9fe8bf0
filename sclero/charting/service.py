"""The one door to session charting: start with the checklist, chart injections under the dose
guard, close with compression and aftercare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sclero.charting import guard, history, injecting, interval, opening
from sclero.charting.choices import SessionStatus
from sclero.charting.models import Injection, TreatmentSession
from sclero.charting.queries import closing_record, load_session
from sclero.charting.schemas import (
    InjectionCorrection,
    InjectionIn,
    InjectionVoid,
    SessionClose,
    SessionStart,
)
from sclero.core import audit
from sclero.core.auth import Role, may_override
from sclero.core.convert import to_jsonable
from sclero.core.db import UnitOfWork
from sclero.core.errors import (
    Conflict,
    InvalidInput,
)
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.patients import queries as patient_queries
from sclero.planning import queries as planning_queries
from sclero.rules import (
    check_injection,
)
from sclero.rules.dose import tally as dose_tally

if TYPE_CHECKING:  # the type only: charting changes patients through their service
    from sclero.patients.models import Patient

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*CLINICAL_ROLES)
def start_session(uow: UnitOfWork, patient_id: int, data: SessionStart) -> TreatmentSession:
    """Open a session on the approved, consented plan once every checklist item is confirmed."""
    patient = patient_queries.lock_patient(uow, patient_id)
    opening.require_no_hold(uow, patient_id)
    plan = opening.ready_plan(uow, patient_id)
    opening.require_checklist(uow, data)
    interval.require_interval(
        uow,
        patient_id,
        uow.today(),
        opening.plan_regions(uow, plan.id),
        data.interval_override_reason,
        field="interval_override_reason",
        remedy="A physician may override with a written reason.",
    )
    opening.require_weight_confirmed(uow, plan.weight_kg, data)
    if data.weight_kg and data.weight_kg != patient.weight_kg:
        _record_weight(uow, patient, data)
    session = opening.new_session(uow, patient_id, plan.id, data.weight_kg or plan.weight_kg, data)
    opening.flush_new_session(uow, session)
    detail = (
        {"interval_override": data.interval_override_reason}
        if data.interval_override_reason
        else None
    )
    audit.record(
        uow, "create", "treatment_session", session.id, patient_id=patient_id, detail=detail
    )
    uow.commit()
    return session


def _record_weight(uow: UnitOfWork, patient: Patient, data: SessionStart) -> None:
    """Today's weight becomes the patient's, audited with the old one."""
    audit.record(
        uow,
        "update",
        "patient",
        patient.id,
        patient_id=patient.id,
        detail={
            "weight_kg": {"old": patient.weight_kg, "new": data.weight_kg},
            "measured_at": "session start",
            "physician_confirmed": data.weight_confirmed and may_override(uow.actor),
        },
    )
    patient.weight_kg = data.weight_kg


@use_case(*CLINICAL_ROLES)
def add_injection(
    uow: UnitOfWork, session_id: int, data: InjectionIn
) -> tuple[Injection, list[dict[str, Any]]]:
    """Chart one injection. Refused with the numbers when it breaks a dose limit (the day's
    total over all sessions counts), and refused when the plan or the screening does not cover
    it — unless a physician owns it with a reason (audited). Returns it with the precautions to
    show now."""
    session = _open_session(uow, session_id, lock=True)
    injection, precautions = injecting.chart(uow, session, data)
    uow.commit()
    return injection, precautions


@use_case(*CLINICAL_ROLES)
def void_injection(uow: UnitOfWork, injection_id: int, data: InjectionVoid) -> Injection:
    """Void a charting error with a reason: it stays in the record (struck through) and no longer
    counts in the tally, the interval or the chart (audited with what it was)."""
    original, session = _correctable(uow, injection_id)
    _void(uow, original, data.reason)
    audit.record(
        uow,
        "void",
        "injection",
        original.id,
        patient_id=session.patient_id,
        detail={"reason": data.reason, "was": _as_charted(original)},
    )
    uow.commit()
    return original


@use_case(*CLINICAL_ROLES)
def correct_injection(
    uow: UnitOfWork, injection_id: int, data: InjectionCorrection
) -> tuple[Injection, list[dict[str, Any]]]:
    """Correct a charted injection: the original is voided with the reason and the corrected one
    charted in its place under the same guard (limits, plan, screening), in one change; both
    audited. Returns the correction with the precautions to show now."""
    original, session = _correctable(uow, injection_id)
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    try:
        corrected = InjectionIn.model_validate({**_as_charted(original), **changes})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"The correction is not valid: {first['msg']}.", field=field) from error
    _void(uow, original, data.reason)
    injection, precautions = injecting.chart(uow, session, corrected, replaces=original)
    audit.record(
        uow,
        "correct",
        "injection",
        original.id,
        patient_id=session.patient_id,
        detail={
            "reason": data.reason,
            "was": _as_charted(original),
            "corrected_by": injection.id,
            "now": _as_charted(injection),
        },
    )
    uow.commit()
    return injection, precautions


@use_case(*CLINICAL_ROLES)
def injection_session_id(uow: UnitOfWork, injection_id: int) -> int:
    """The session an injection was charted in (clinical roles)."""
    return uow.get(Injection, injection_id, field="injection_id").session_id


CHARTED_FIELDS = tuple(name for name in InjectionIn.model_fields if name != "override_reason")


def _as_charted(injection: Injection) -> dict[str, Any]:
    return {name: getattr(injection, name) for name in CHARTED_FIELDS}


def _correctable(uow: UnitOfWork, injection_id: int) -> tuple[Injection, TreatmentSession]:
    """The injection and its open session (locked): a voided one cannot be voided again, and a
    closed session's record is no longer changed here."""
    injection = uow.get(Injection, injection_id, field="injection_id")
    session = _open_session(uow, injection.session_id, lock=True)
    uow.session.refresh(injection)  # as it is now, under the lock: another void may have committed
    if injection.voided:
        raise Conflict("This injection is already voided.", field="injection")
    return injection, session


def _void(uow: UnitOfWork, injection: Injection, reason: str) -> None:
    injection.voided_at = utcnow()
    injection.voided_by_id = uow.actor.user_id
    injection.void_reason = reason
    uow.session.flush()


def _open_session(uow: UnitOfWork, session_id: int, lock: bool = False) -> TreatmentSession:
    """The session, refused when closed; `lock` holds its row until commit (PostgreSQL), so two
    injections charted at once cannot both pass the tally."""
    if lock:
        uow.session.scalar(
            select(TreatmentSession.id).where(TreatmentSession.id == session_id).with_for_update()
        )
    session = load_session(uow, session_id)
    if lock:
        uow.session.refresh(session)  # loaded before the lock, it may show a close since committed
    if session.status != SessionStatus.OPEN:
        raise Conflict("This session is closed; nothing more can be charted.", field="session")
    return session


@use_case(*CLINICAL_ROLES)
def get_session(uow: UnitOfWork, session_id: int) -> TreatmentSession:
    session = load_session(uow, session_id)
    audit.record(uow, "read", "treatment_session", session.id, patient_id=session.patient_id)
    return session


@use_case(*CLINICAL_ROLES)
def tally(uow: UnitOfWork, session_id: int) -> dict[str, Any]:
    """The day's totals (every session of the patient that day: the limits are per day) against
    the limits fixed when this session started, what remains, and the engine's precautions now."""
    session = load_session(uow, session_id)
    limits = injecting.limits_of(session)
    protocol = uow.protocol
    day = [guard.charted_facts(i) for i in history.same_day_injections(uow, session)]
    precautions: list[Any] = []
    if day:
        last = check_injection(limits, day[:-1], day[-1], protocol)
        precautions = to_jsonable(last.precautions)
    summed = dose_tally(day, protocol)
    totals = {
        "agent_mg": round(summed.agent_mg.get(limits.agent, 0.0), 3),
        "liquid_ml": round(summed.liquid_ml, 3),
        "foam_ml": round(summed.foam_ml, 3),
        "sts_ml": round(summed.solution_ml.get("sodium_tetradecyl_sulfate", 0.0), 3),
    }
    caps = {
        "agent_mg": limits.max_agent_mg,
        "liquid_ml": limits.max_liquid_ml,
        "foam_ml": limits.max_foam_ml,
        "sts_ml": limits.max_sts_ml,
    }
    remaining = {k: round(cap - totals[k], 3) for k, cap in caps.items()}
    audit.record(uow, "read", "session_tally", session.id, patient_id=session.patient_id)
    return {
        "limits": limits.to_document(),
        "totals": totals,
        "remaining": remaining,
        "precautions": precautions,
    }


@use_case(*CLINICAL_ROLES)
def close_session(uow: UnitOfWork, session_id: int, data: SessionClose) -> TreatmentSession:
    """Close the session, recording compression and the aftercare instructions given."""
    # The row lock first, as an injection takes it: the close waits for an injection being
    # charted (and then counts it) instead of closing under it, and both take their locks in
    # one order (the session row, then the audit chain's), so they never deadlock.
    session = _open_session(uow, session_id, lock=True)
    if not [i for i in session.charted if not i.voided]:
        raise Conflict("Chart at least one injection before closing the session.", "injections")
    proposal = planning_queries.load_plan(uow, session.plan_id).proposal
    session.compression, session.aftercare = closing_record(proposal, data.compression_given)
    session.status = SessionStatus.CLOSED
    session.closed_at = utcnow()
    if data.notes:
        session.notes = "\n".join(filter(None, [session.notes, data.notes]))
    audit.record(uow, "close", "treatment_session", session.id, patient_id=session.patient_id)
    uow.commit()
    return session


@use_case(*CLINICAL_ROLES)
def list_sessions(uow: UnitOfWork, patient_id: int) -> list[TreatmentSession]:
    query = (
        select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient_id)
        .order_by(TreatmentSession.started_at.desc())
        .options(selectinload(TreatmentSession.injections))  # the chart counts them: no N+1
    )
    return patient_queries.read_record(uow, patient_id, "treatment_session", query)
