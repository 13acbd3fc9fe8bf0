"""The one door to session charting: start with the checklist, chart injections under the dose
guard, close with compression and aftercare."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from sclero.assessment import service as assessment
from sclero.charting import guard, history
from sclero.charting.choices import SessionStatus
from sclero.charting.models import Injection, TreatmentSession
from sclero.charting.schemas import (
    InjectionCorrection,
    InjectionIn,
    InjectionVoid,
    SessionClose,
    SessionStart,
)
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.convert import to_jsonable
from sclero.core.db import UnitOfWork
from sclero.core.errors import (
    Conflict,
    ContraindicationError,
    IntervalTooShort,
    InvalidInput,
    NeedsPhysicianDecision,
)
from sclero.core.protocol import current_protocol
from sclero.core.time import utcnow
from sclero.patients import service as patients
from sclero.planning import service as planning
from sclero.rules import (
    EvaluationResult,
    PreviousSession,
    SessionLimits,
    check_injection,
    check_interval,
    session_limits,
)
from sclero.rules.dose import tally as dose_tally

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


def start_session(uow: UnitOfWork, patient_id: int, data: SessionStart) -> TreatmentSession:
    """Open a session on the approved, consented plan once every checklist item is confirmed."""
    uow.require_role(*CLINICAL_ROLES)
    patient = patients.lock_patient(uow, patient_id)
    _require_no_hold(uow, patient_id)
    plan = planning.active_plan(uow, patient_id)
    if plan is None:
        raise Conflict("This patient has no approved treatment plan.", field="plan")
    if planning.consent_for(uow, plan.id) is None:
        raise Conflict("The plan has no signed consent yet.", field="consent")
    if _open_session_of(uow, patient_id) is not None:
        raise Conflict("This patient already has an open session: close it first.", "session")
    planning.require_decided(
        plan, planning.require_current_screening(uow, patient_id, plan.evaluation_id)
    )
    _require_checklist(uow, data)
    _require_interval(uow, patient_id, _plan_regions(uow, plan.id), data.interval_override_reason)
    weight = data.weight_kg or plan.weight_kg
    _require_weight_confirmed(uow, plan.weight_kg, data)
    if data.weight_kg and data.weight_kg != patient.weight_kg:
        audit.record(
            uow,
            "update",
            "patient",
            patient.id,
            patient_id=patient.id,
            detail={
                "weight_kg": {"old": patient.weight_kg, "new": data.weight_kg},
                "measured_at": "session start",
                "physician_confirmed": data.weight_confirmed and _is_physician(uow),
            },
        )
        patient.weight_kg = data.weight_kg
    session = TreatmentSession(
        patient_id=patient_id,
        plan_id=plan.id,
        appointment_id=data.appointment_id,
        status=SessionStatus.OPEN,
        started_at=utcnow(),
        performed_by_id=uow.actor.user_id,
        checklist=data.checklist.model_dump(),
        weight_kg=weight,
        limits=session_limits(weight, uow.protocol).to_document(),
        protocol_version=uow.protocol.version,
        interval_override_reason=(
            data.interval_override_reason if uow.actor.role == Role.PHYSICIAN else None
        ),
        notes=data.notes,
    )
    _flush_new_session(uow, session)
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


def _is_physician(uow: UnitOfWork) -> bool:
    return uow.actor.role == Role.PHYSICIAN


def _require_weight_confirmed(uow: UnitOfWork, evaluated: float, data: SessionStart) -> None:
    """Today's weight sets the dose ceiling: one far from the evaluated weight (the protocol's
    `session_weight_change`) is a typing slip or a real change, and a physician confirms it."""
    if not data.weight_kg or not evaluated:
        return
    rule = uow.protocol.session_weight_change
    change = abs(data.weight_kg - evaluated) / evaluated * 100
    if change <= rule.max_percent or (data.weight_confirmed and _is_physician(uow)):
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


def _require_no_hold(uow: UnitOfWork, patient_id: int) -> None:
    """An urgent adverse event holds every new session until a physician has reviewed it."""
    holds = patients.open_holds(uow, patient_id)
    if holds:
        raise Conflict(
            f"No new session: {holds[0].summary} awaits a physician's review "
            "(on the patient's adverse events page).",
            field="hold",
        )


def _flush_new_session(uow: UnitOfWork, session: TreatmentSession) -> None:
    """Add the session; the database refuses an appointment of another patient (or none)."""
    uow.session.add(session)
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise InvalidInput(
            "That appointment does not exist or belongs to another patient.", "appointment_id"
        ) from error


def _open_session_of(uow: UnitOfWork, patient_id: int) -> TreatmentSession | None:
    return uow.session.scalar(
        select(TreatmentSession).where(
            TreatmentSession.patient_id == patient_id, TreatmentSession.status == SessionStatus.OPEN
        )
    )


def _require_checklist(uow: UnitOfWork, data: SessionStart) -> None:
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


def _plan_regions(uow: UnitOfWork, plan_id: int) -> list[str]:
    plan = planning.load_plan(uow, plan_id)
    regions = {
        assessment.load_finding(uow, item.finding_id).region
        for item in plan.items
        if item.finding_id is not None and item.technique != "refer"
    }
    return sorted(regions)


def _require_interval(
    uow: UnitOfWork, patient_id: int, regions: list[str], override_reason: str | None
) -> None:
    check = check_interval(
        history.as_previous_sessions(uow, patient_id),
        uow.today(),
        regions,
        uow.protocol,
    )
    if check.allowed:
        return
    if override_reason and uow.actor.role == Role.PHYSICIAN:
        return
    raise IntervalTooShort(
        f"{check.message} A physician may override with a written reason.",
        field="interval_override_reason",
        earliest_date=str(check.earliest_date),
        regions=list(check.conflicting_regions),
        sources=list(check.sources),
    )


def add_injection(
    uow: UnitOfWork, session_id: int, data: InjectionIn
) -> tuple[Injection, list[dict[str, Any]]]:
    """Chart one injection. Refused with the numbers when it breaks a dose limit (the day's
    total over all sessions counts), and refused when the plan or the screening does not cover
    it — unless a physician owns it with a reason (audited). Returns it with the precautions to
    show now."""
    uow.require_role(*CLINICAL_ROLES)
    session = _open_session(uow, session_id, lock=True)
    injection, precautions = _chart(uow, session, data)
    uow.commit()
    return injection, precautions


def void_injection(uow: UnitOfWork, injection_id: int, data: InjectionVoid) -> Injection:
    """Void a charting error with a reason: it stays in the record (struck through) and no longer
    counts in the tally, the interval or the chart (audited with what it was)."""
    uow.require_role(*CLINICAL_ROLES)
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


def correct_injection(
    uow: UnitOfWork, injection_id: int, data: InjectionCorrection
) -> tuple[Injection, list[dict[str, Any]]]:
    """Correct a charted injection: the original is voided with the reason and the corrected one
    charted in its place under the same guard (limits, plan, screening), in one change; both
    audited. Returns the correction with the precautions to show now."""
    uow.require_role(*CLINICAL_ROLES)
    original, session = _correctable(uow, injection_id)
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    try:
        corrected = InjectionIn.model_validate({**_as_charted(original), **changes})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"The correction is not valid: {first['msg']}.", field=field) from error
    _void(uow, original, data.reason)
    injection, precautions = _chart(uow, session, corrected, replaces=original)
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


def injection_session_id(uow: UnitOfWork, injection_id: int) -> int:
    """The session an injection was charted in (clinical roles)."""
    uow.require_role(*CLINICAL_ROLES)
    return uow.get(Injection, injection_id, field="injection_id").session_id


CHARTED_FIELDS = tuple(name for name in InjectionIn.model_fields if name != "override_reason")


def _as_charted(injection: Injection) -> dict[str, Any]:
    return {name: getattr(injection, name) for name in CHARTED_FIELDS}


def _correctable(uow: UnitOfWork, injection_id: int) -> tuple[Injection, TreatmentSession]:
    """The injection and its open session (locked): a voided one cannot be voided again, and a
    closed session's record is no longer changed here."""
    injection = uow.get(Injection, injection_id, field="injection_id")
    session = _open_session(uow, injection.session_id, lock=True)
    if injection.voided:
        raise Conflict("This injection is already voided.", field="injection")
    return injection, session


def _void(uow: UnitOfWork, injection: Injection, reason: str) -> None:
    injection.voided_at = utcnow()
    injection.voided_by_id = uow.actor.user_id
    injection.void_reason = reason
    uow.session.flush()


def _chart(
    uow: UnitOfWork, session: TreatmentSession, data: InjectionIn, replaces: Injection | None = None
) -> tuple[Injection, list[dict[str, Any]]]:
    """Check one injection against the screening now, the plan and the day's limits, and add it
    (helper: the caller commits)."""
    plan = planning.load_plan(uow, session.plan_id)
    # Re-screened at every injection: a new clot or pregnancy recorded mid-session stops it.
    screening = planning.require_current_screening(uow, session.patient_id, plan.evaluation_id)
    _refuse_allergen(uow, session.patient_id, data.agent)
    vein_type = _vein_type(uow, session.patient_id, data.finding_id, data.side, data.region)
    departures = _departures(uow, session, plan, screening, data)
    new = guard.injection_facts(
        data.agent,
        data.technique,
        data.concentration_percent,
        data.volume_ml,
        vein_type,
        data.liquid_gas_ratio,
    )
    same_day = history.same_day_injections(uow, session)
    check = check_injection(
        _limits(session), [guard.charted_facts(i) for i in same_day], new, uow.protocol
    )
    overridden = guard.require_allowed_or_override(uow, check, departures, data.override_reason)
    injection = Injection(
        session_id=session.id,
        vein_type=vein_type,
        agent_mg=guard.agent_mg_of(check, data.agent, same_day),
        charted_by_id=uow.actor.user_id,
        override_by_id=uow.actor.user_id if overridden else None,
        **data.model_dump(exclude={"override_reason"}),
        override_reason=data.override_reason if overridden else None,
        replaces_id=replaces.id if replaces else None,
    )
    session.charted.append(injection)
    uow.session.flush()
    detail = {
        "violations": [v.code for v in check.violations],
        "departures": [d.code for d in departures],
        "reason": data.override_reason,
    }
    audit.record(
        uow,
        "override" if overridden else "create",
        "injection",
        injection.id,
        patient_id=session.patient_id,
        detail=detail if overridden else None,
    )
    return injection, to_jsonable(check.precautions)


def _departures(
    uow: UnitOfWork,
    session: TreatmentSession,
    plan: Any,
    screening: EvaluationResult,
    data: InjectionIn,
) -> list[guard.Departure]:
    """What the plan, the screening and the interval say about this injection. A physician's
    interval override when the session started covers the whole session."""
    interval = check_interval(
        history.as_previous_sessions(uow, session.patient_id, exclude_session_id=session.id),
        uow.today(),
        [data.region],
        uow.protocol,
    )
    return [
        *guard.plan_departures(
            _plan_items_at(uow, plan.items, data.side, data.region),
            data.side,
            data.region,
            data.agent,
            data.technique,
            data.concentration_percent,
            data.volume_ml,
        ),
        *guard.foam_departures(
            data.technique, screening, planning.pending_decisions(screening, plan)
        ),
        *([] if session.interval_override_reason else guard.interval_departures(interval)),
    ]


def _plan_items_at(uow: UnitOfWork, items: list[Any], side: str, region: str) -> list[Any]:
    return [
        item
        for item in items
        if item.finding_id is not None
        and (finding := assessment.load_finding(uow, item.finding_id)).side == side
        and finding.region == region
    ]


def _limits(session: TreatmentSession) -> SessionLimits:
    """The limits fixed when the session started (a later protocol change does not move them)."""
    return SessionLimits.from_document(session.limits)


def _refuse_allergen(uow: UnitOfWork, patient_id: int, agent: str) -> None:
    patient = patients.load_patient(uow, patient_id)
    if agent in {a.allergen for a in patient.allergies}:
        raise ContraindicationError(
            f"The patient is allergic to {agent}: choose another agent.", field="agent"
        )


def _vein_type(
    uow: UnitOfWork, patient_id: int, finding_id: int | None, side: str, region: str
) -> str | None:
    """The vein type injected: the chosen finding's, else the one type mapped at that site."""
    if finding_id is None:
        types = {f.vein_type for f in assessment.findings_at(uow, patient_id, side, region)}
        return types.pop() if len(types) == 1 else None
    finding = assessment.load_finding(uow, finding_id)
    if finding.patient_id != patient_id:
        raise InvalidInput("That vein finding belongs to another patient.", field="finding_id")
    if (finding.side, finding.region) != (side, region):
        raise InvalidInput(
            f"That vein finding is at the {guard.site_name(finding.side, finding.region)}, not "
            f"where this injection is charted ({guard.site_name(side, region)}).",
            field="finding_id",
        )
    return finding.vein_type


def load_session(uow: UnitOfWork, session_id: int) -> TreatmentSession:
    return uow.get(TreatmentSession, session_id, field="session_id")


def _open_session(uow: UnitOfWork, session_id: int, lock: bool = False) -> TreatmentSession:
    """The session, refused when closed; `lock` holds its row until commit (PostgreSQL), so two
    injections charted at once cannot both pass the tally."""
    if lock:
        uow.session.scalar(
            select(TreatmentSession.id).where(TreatmentSession.id == session_id).with_for_update()
        )
    session = load_session(uow, session_id)
    if session.status != SessionStatus.OPEN:
        raise Conflict("This session is closed; nothing more can be charted.", field="session")
    return session


def get_session(uow: UnitOfWork, session_id: int) -> TreatmentSession:
    uow.require_role(*CLINICAL_ROLES)
    session = load_session(uow, session_id)
    audit.record(uow, "read", "treatment_session", session.id, patient_id=session.patient_id)
    return session


def tally(uow: UnitOfWork, session_id: int) -> dict[str, Any]:
    """The day's totals (every session of the patient that day: the limits are per day) against
    the limits fixed when this session started, what remains, and the engine's precautions now."""
    uow.require_role(*CLINICAL_ROLES)
    session = load_session(uow, session_id)
    limits = _limits(session)
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


def close_session(uow: UnitOfWork, session_id: int, data: SessionClose) -> TreatmentSession:
    """Close the session, recording compression and the aftercare instructions given."""
    uow.require_role(*CLINICAL_ROLES)
    session = _open_session(uow, session_id)
    if not [i for i in session.charted if not i.voided]:
        raise Conflict("Chart at least one injection before closing the session.", "injections")
    proposal = planning.load_plan(uow, session.plan_id).proposal
    session.compression, session.aftercare = closing_record(proposal, data.compression_given)
    session.status = SessionStatus.CLOSED
    session.closed_at = utcnow()
    if data.notes:
        session.notes = "\n".join(filter(None, [session.notes, data.notes]))
    audit.record(uow, "close", "treatment_session", session.id, patient_id=session.patient_id)
    uow.commit()
    return session


def closing_record(
    proposal: dict[str, Any], compression_given: str
) -> tuple[dict[str, Any], list[str]]:
    """What a closed session keeps: the compression given beside the plan's advice, and the
    aftercare instructions as the patient reads them."""
    aftercare = [
        str(item.get("message") or item.get("text") or item)
        if isinstance(item, dict)
        else str(item)
        for item in proposal.get("aftercare", [])
    ]
    return {"given": compression_given, "advised": proposal.get("compression")}, aftercare


def list_sessions(uow: UnitOfWork, patient_id: int) -> list[TreatmentSession]:
    query = (
        select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient_id)
        .order_by(TreatmentSession.started_at.desc())
        .options(selectinload(TreatmentSession.injections))  # the chart counts them: no N+1
    )
    return patients.read_record(uow, patient_id, "treatment_session", query)


def past_sessions(uow: UnitOfWork, patient_id: int) -> list[PreviousSession]:
    """Past sessions (clinic date, treated regions) for the engine's interval check (helper)."""
    return history.as_previous_sessions(uow, patient_id)


def foam_ratio_default() -> str:
    """The protocol's usual liquid:gas ratio for foam, written as charted (e.g. "1:4")."""
    ratio = current_protocol().spec.foam.liquid_gas_ratio
    return f"{ratio.liquid}:{ratio.gas}"
