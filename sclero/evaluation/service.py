"""The one door to medical evaluations: build the case, screen it, store the stamped result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sclero.assessment import service as assessment
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, NotFound
from sclero.core.protocol import current_protocol
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version
from sclero.evaluation.models import Evaluation
from sclero.evaluation.schemas import EvaluationIn
from sclero.patients import service as patients
from sclero.patients.schemas import HistoryIn
from sclero.rules import (
    Case,
    CaseError,
    EvaluationResult,
    Patient,
    PreviousSession,
    evaluate,
    evaluate_document,
)
from sclero.rules.plausibility import plausible
from sclero.rules.vocabulary import Sex

if TYPE_CHECKING:
    from sclero.patients.models import Patient as PatientRecord

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def build_case(
    uow: UnitOfWork,
    patient: PatientRecord,
    answers: dict[str, Any],
    previous_sessions: Sequence[PreviousSession] = (),
    proposed_date: date | None = None,
) -> Case:
    """The engine's case for `patient`: screening answers, active findings, latest duplex. The
    measured values pass the protocol's plausibility check (the same as the engine's own)."""
    protocol = uow.protocol
    on = proposed_date or uow.today()
    try:
        age = int(plausible(age_on(patient.birth_date, on), "age_years", protocol))
        weight = plausible(answers["weight_kg"], "weight_kg", protocol)
    except CaseError as error:
        raise InvalidInput(error.message, field=error.field) from None
    return Case(
        patient=Patient(
            age_years=age,
            weight_kg=weight,
            sex=patient.sex if patient.sex in Sex.codes() else "unknown",
            pregnant=answers.get("pregnant"),  # None: not yet answered (the engine defers)
            breastfeeding=answers.get("breastfeeding"),
            conditions=tuple(answers.get("conditions", ())),
            medications=tuple(answers.get("medications", ())),
            allergies=tuple(answers.get("allergies", ())),
        ),
        findings=tuple(assessment.case_findings(uow, patient.id)),
        duplex=assessment.latest_duplex(uow, patient.id),
        previous_sessions=tuple(previous_sessions),
        proposed_date=on,
    )


def screen(uow: UnitOfWork, case: Case) -> EvaluationResult:
    """The engine's result for a case under the protocol in force; a refusal is a 422."""
    try:
        return evaluate(case, uow.protocol)
    except CaseError as error:
        raise InvalidInput(error.message, field=error.field) from error


@use_case(*CLINICAL_ROLES)
def run_engine(uow: UnitOfWork, case: dict[str, Any]) -> dict[str, Any]:
    """Evaluate a case document (the public contract) with the protocol in force; nothing is
    read from or written to the record."""
    try:
        return evaluate_document(case, current_protocol())
    except CaseError as error:
        raise InvalidInput(error.message, field=error.field) from error


def current_screening(
    uow: UnitOfWork, patient_id: int, previous_sessions: Sequence[PreviousSession] = ()
) -> tuple[Evaluation, EvaluationResult]:
    """The latest evaluation, and the engine's result for its answers with the coded history and
    the vein findings as they stand now (either may have changed since). Helper: no role check,
    no audit."""
    patient = patients.load_patient(uow, patient_id)
    evaluation = require_latest_evaluation(uow, patient_id)
    answers = {**evaluation.answers, **patients.history_codes(patient).model_dump()}
    return evaluation, screen(uow, build_case(uow, patient, answers, previous_sessions))


@use_case(*CLINICAL_ROLES)
def record_evaluation(
    uow: UnitOfWork, patient_id: int, data: EvaluationIn, version: int | None
) -> Evaluation:
    """Screen the patient with the protocol, store answers + result, update the coded history.
    The intake was filled on `version` of the patient's record: if someone else saved the
    history (or the details) since, it is refused and nothing is lost."""
    patient = patients.load_patient(uow, patient_id)
    check_version(patient, version, patients.HISTORY)
    answers = data.model_dump(exclude={"notes"})
    result = screen(uow, build_case(uow, patient, answers)).to_document()
    patients.replace_history(
        uow,
        patient,
        HistoryIn(
            conditions=data.conditions, medications=data.medications, allergies=data.allergies
        ),
        weight_kg=data.weight_kg,
    )
    evaluation = Evaluation(
        patient_id=patient.id,
        performed_at=utcnow(),
        performed_by_id=uow.actor.user_id,
        answers=answers,
        decision=result["screening"]["decision"],
        result=result,
        protocol_id=result["protocol"]["id"],
        protocol_version=result["protocol"]["version"],
        notes=data.notes,
    )
    uow.session.add(evaluation)
    uow.session.flush()
    audit.record(
        uow,
        "create",
        "evaluation",
        evaluation.id,
        patient_id=patient.id,
        detail={"decision": evaluation.decision},
    )
    uow.commit()
    return evaluation


@use_case(*CLINICAL_ROLES)
def preview_evaluation(uow: UnitOfWork, patient_id: int, data: EvaluationIn) -> dict[str, Any]:
    """The engine's result for these answers without saving anything (live form feedback)."""
    patient = patients.load_patient(uow, patient_id)
    result = screen(uow, build_case(uow, patient, data.model_dump(exclude={"notes"}))).to_document()
    audit.record(uow, "read", "evaluation_preview", patient_id=patient.id)
    return result


@use_case(*CLINICAL_ROLES)
def list_evaluations(uow: UnitOfWork, patient_id: int) -> list[Evaluation]:
    query = (
        select(Evaluation)
        .where(Evaluation.patient_id == patient_id)
        .order_by(Evaluation.performed_at.desc(), Evaluation.id.desc())
    )
    return patients.read_record(uow, patient_id, "evaluation", query)


def latest_evaluation(uow: UnitOfWork, patient_id: int) -> Evaluation | None:
    """The newest evaluation (helper for other services; no audit of its own)."""
    return uow.session.scalar(
        select(Evaluation)
        .where(Evaluation.patient_id == patient_id)
        .order_by(Evaluation.performed_at.desc(), Evaluation.id.desc())
        .limit(1)
    )


def require_latest_evaluation(uow: UnitOfWork, patient_id: int) -> Evaluation:
    evaluation = latest_evaluation(uow, patient_id)
    if evaluation is None:
        raise NotFound(
            "This patient has no medical evaluation yet; record one first.", field="evaluation"
        )
    return evaluation


def intake_defaults(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    """The intake form's starting answers: the coded history and weight on record, and the
    pregnancy / breastfeeding answers of the latest evaluation (the clinician confirms them)."""
    patient = patients.get_history(uow, patient_id)
    history = patients.history_codes(patient)
    latest = latest_evaluation(uow, patient_id)
    answers = latest.answers if latest is not None else {}
    weight = patient.weight_kg or answers.get("weight_kg")
    return {
        "weight_kg": f"{weight:g}" if weight else None,
        "pregnant": answers.get("pregnant"),
        "breastfeeding": answers.get("breastfeeding"),
        "conditions": list(history.conditions),
        "medications": list(history.medications),
        "allergies": list(history.allergies),
        "notes": None,
    }
