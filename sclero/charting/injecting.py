"""Charting one injection: screened again, checked against the plan, the interval and the day's
limits, refused or owned by a physician, then added and audited (helper: the service commits)."""

from __future__ import annotations

from typing import Any

from sclero.assessment import queries as assessment_queries
from sclero.charting import guard, history
from sclero.charting.models import Injection, TreatmentSession
from sclero.charting.schemas import InjectionIn
from sclero.core import audit
from sclero.core.convert import to_jsonable
from sclero.core.db import UnitOfWork
from sclero.core.errors import ContraindicationError, InvalidInput
from sclero.patients import queries as patient_queries
from sclero.planning import checks as planning_checks
from sclero.planning import queries as planning_queries
from sclero.rules import EvaluationResult, SessionLimits, check_injection, check_interval


def chart(
    uow: UnitOfWork, session: TreatmentSession, data: InjectionIn, replaces: Injection | None = None
) -> tuple[Injection, list[dict[str, Any]]]:
    """Check one injection against the screening now, the plan and the day's limits, and add it
    (helper: the caller commits)."""
    plan = planning_queries.load_plan(uow, session.plan_id)
    # Re-screened at every injection: a new clot or pregnancy recorded mid-session stops it.
    screening = planning_checks.require_current_screening(
        uow, session.patient_id, plan.evaluation_id
    )
    refuse_allergen(uow, session.patient_id, data.agent)
    vein_type = vein_type_of(uow, session.patient_id, data.finding_id, data.side, data.region)
    departures = departures_of(uow, session, plan, screening, data)
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
        limits_of(session), [guard.charted_facts(i) for i in same_day], new, uow.protocol
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
    _audit_injection(uow, session, injection, check, departures, data.override_reason, overridden)
    return injection, to_jsonable(check.precautions)


def _audit_injection(
    uow: UnitOfWork,
    session: TreatmentSession,
    injection: Injection,
    check: Any,
    departures: list[guard.Departure],
    reason: str | None,
    overridden: bool,
) -> None:
    """An injection is audited as charted, or as an override naming what it overrode and why."""
    detail = {
        "violations": [v.code for v in check.violations],
        "departures": [d.code for d in departures],
        "reason": reason,
    }
    audit.record(
        uow,
        "override" if overridden else "create",
        "injection",
        injection.id,
        patient_id=session.patient_id,
        detail=detail if overridden else None,
    )


def departures_of(
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
            plan_items_at(uow, plan.items, data.side, data.region),
            data.side,
            data.region,
            data.agent,
            data.technique,
            data.concentration_percent,
            data.volume_ml,
        ),
        *guard.foam_departures(
            data.technique, screening, planning_checks.pending_decisions(screening, plan)
        ),
        *([] if session.interval_override_reason else guard.interval_departures(interval)),
    ]


def plan_items_at(uow: UnitOfWork, items: list[Any], side: str, region: str) -> list[Any]:
    return [
        item
        for item in items
        if item.finding_id is not None
        and (finding := assessment_queries.load_finding(uow, item.finding_id)).side == side
        and finding.region == region
    ]


def limits_of(session: TreatmentSession) -> SessionLimits:
    """The limits fixed when the session started (a later protocol change does not move them)."""
    return SessionLimits.from_document(session.limits)


def refuse_allergen(uow: UnitOfWork, patient_id: int, agent: str) -> None:
    patient = patient_queries.load_patient(uow, patient_id)
    if agent in {a.allergen for a in patient.allergies}:
        raise ContraindicationError(
            f"The patient is allergic to {agent}: choose another agent.", field="agent"
        )


def vein_type_of(
    uow: UnitOfWork, patient_id: int, finding_id: int | None, side: str, region: str
) -> str | None:
    """The vein type injected: the chosen finding's, else the one type mapped at that site."""
    if finding_id is None:
        types = {f.vein_type for f in assessment_queries.findings_at(uow, patient_id, side, region)}
        return types.pop() if len(types) == 1 else None
    finding = assessment_queries.load_finding(uow, finding_id)
    if finding.patient_id != patient_id:
        raise InvalidInput("That vein finding belongs to another patient.", field="finding_id")
    if (finding.side, finding.region) != (side, region):
        raise InvalidInput(
            f"That vein finding is at the {guard.site_name(finding.side, finding.region)}, not "
            f"where this injection is charted ({guard.site_name(side, region)}).",
            field="finding_id",
        )
    return finding.vein_type
