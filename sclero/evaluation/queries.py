"""The engine's view of a patient, for the steps that plan and chart on it: the case built from
the record, its result, the newest evaluation (no role check, no audit, no commit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sclero.assessment import queries as assessment_queries
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, NotFound
from sclero.evaluation.models import Evaluation
from sclero.patients import queries as patient_queries
from sclero.rules import (
    Case,
    CaseError,
    EvaluationResult,
    Patient,
    PreviousSession,
    evaluate,
)
from sclero.rules.plausibility import plausible
from sclero.rules.vocabulary import Sex

if TYPE_CHECKING:
    from sclero.patients.models import Patient as PatientRecord


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
        findings=tuple(assessment_queries.case_findings(uow, patient.id)),
        duplex=assessment_queries.latest_duplex(uow, patient.id),
        previous_sessions=tuple(previous_sessions),
        proposed_date=on,
    )


def screen(uow: UnitOfWork, case: Case) -> EvaluationResult:
    """The engine's result for a case under the protocol in force; a refusal is a 422."""
    try:
        return evaluate(case, uow.protocol)
    except CaseError as error:
        raise InvalidInput(error.message, field=error.field) from error


def current_screening(
    uow: UnitOfWork, patient_id: int, previous_sessions: Sequence[PreviousSession] = ()
) -> tuple[Evaluation, EvaluationResult]:
    """The latest evaluation, and the engine's result for its answers with the coded history and
    the vein findings as they stand now (either may have changed since). Helper: no role check,
    no audit."""
    patient = patient_queries.load_patient(uow, patient_id)
    evaluation = require_latest_evaluation(uow, patient_id)
    answers = {**evaluation.answers, **patient_queries.history_codes(patient).model_dump()}
    return evaluation, screen(uow, build_case(uow, patient, answers, previous_sessions))


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
