"""Single valid objects for tests, shaped like the demo generator's: a patient, a vein finding,
an evaluation screened by the real engine, an approved plan with consent. They add and flush;
the caller's transaction decides what is kept."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.core.time import today as clinic_today
from sclero.demo.people import age_on
from sclero.evaluation.models import Evaluation
from sclero.patients.models import Patient
from sclero.patients.queries import mrn_of
from sclero.planning.models import Consent, TreatmentPlan
from sclero.planning.queries import plan_from_result
from sclero.rules import EvaluationResult, default_protocol, evaluate, parse_case


def patient(session: Session, **fields: Any) -> Patient:
    """A 40-year-old woman of 65 kg unless `fields` say otherwise; MRN as the service gives it."""
    values: dict[str, Any] = {
        "first_name": "Anna",
        "last_name": "Example",
        "birth_date": date(clinic_today().year - 40, 3, 14),
        "sex": "female",
        "weight_kg": 65.0,
        "phone": "+1 201 555-0100",
        "email": "anna.example@example.org",
        "mrn": "tmp",
    }
    values.update(fields)
    row = Patient(**values)
    session.add(row)
    session.flush()
    if row.mrn == "tmp":
        row.mrn = mrn_of(row.id)
        session.flush()
    return row


def finding(session: Session, owner: Patient, **fields: Any) -> VeinFinding:
    """A telangiectasia of 0.6 mm on the left lateral thigh unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "side": "left",
        "region": "thigh_lateral",
        "vein_type": "telangiectasia",
        "diameter_mm": 0.6,
        "ceap_class": "C1",
    }
    values.update(fields)
    row = VeinFinding(patient_id=owner.id, **values)
    session.add(row)
    session.flush()
    return row


def duplex(session: Session, owner: Patient, **reflux: bool) -> DuplexFinding:
    row = DuplexFinding(patient_id=owner.id, performed_on=clinic_today(), **reflux)
    session.add(row)
    session.flush()
    return row


def evaluation(
    session: Session, owner: Patient, on: date | None = None, **answers: Any
) -> Evaluation:
    """An evaluation of `owner` screened by the default protocol, as the service stores it."""
    day = on or clinic_today()
    case_answers: dict[str, Any] = {
        "weight_kg": owner.weight_kg or 65.0,
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
    }
    case_answers.update(answers)
    result = screen(session, owner, day, case_answers).to_document()
    row = Evaluation(
        patient_id=owner.id,
        performed_at=datetime.combine(day, time(9)),
        answers=case_answers,
        decision=result["screening"]["decision"],
        result=result,
        protocol_id=result["protocol"]["id"],
        protocol_version=result["protocol"]["version"],
    )
    session.add(row)
    session.flush()
    return row


def screen(
    session: Session, owner: Patient, day: date, answers: dict[str, Any]
) -> EvaluationResult:
    """The engine's result for `owner` with these answers and the active findings on `day`."""
    case: dict[str, Any] = {
        "patient": {"age_years": age_on(owner.birth_date, day), "sex": owner.sex, **answers},
        "findings": [
            {
                "id": str(f.id),
                "side": f.side,
                "region": f.region,
                "vein_type": f.vein_type,
                "diameter_mm": f.diameter_mm,
            }
            for f in session.scalars(
                select(VeinFinding)
                .where(VeinFinding.patient_id == owner.id, VeinFinding.active.is_(True))
                .order_by(VeinFinding.id)
            )
        ],
        "previous_sessions": [],
        "proposed_date": day.isoformat(),
    }
    latest = session.scalar(
        select(DuplexFinding)
        .where(DuplexFinding.patient_id == owner.id)
        .order_by(DuplexFinding.performed_on.desc(), DuplexFinding.id.desc())
    )
    if latest is not None:
        case["duplex"] = {
            "performed": True,
            "saphenous_reflux": latest.saphenous_reflux,
            "perforator_reflux": latest.perforator_reflux,
            "deep_reflux": latest.deep_reflux,
        }
    protocol = default_protocol()
    return evaluate(parse_case(case, protocol), protocol)


def approved_plan(
    session: Session, screened: Evaluation, physician_id: int | None = None
) -> TreatmentPlan:
    """The engine's proposal of `screened`, approved, with the patient's signed consent."""
    signed = screened.performed_at
    owner = session.get(Patient, screened.patient_id)
    assert owner is not None
    result = screen(session, owner, screened.performed_at.date(), screened.answers)
    plan = plan_from_result(screened.patient_id, screened.id, screened.answers["weight_kg"], result)
    plan.status = "approved"
    plan.created_by_id = physician_id
    plan.approved_by_id = physician_id
    plan.approved_at = signed
    session.add(plan)
    session.flush()
    session.add(
        Consent(
            patient_id=plan.patient_id,
            plan_id=plan.id,
            text="Demo consent: sclerotherapy as planned; risks explained.",
            signed_by_name="Anna Example",
            signed_at=signed,
            witnessed_by_id=physician_id,
        )
    )
    session.flush()
    return plan
