"""The one door to medical evaluations: build the case, screen it, store the stamped result."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput
from sclero.core.protocol import current_protocol
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version
from sclero.evaluation.models import Evaluation
from sclero.evaluation.queries import build_case, latest_evaluation, screen
from sclero.evaluation.schemas import EvaluationIn
from sclero.patients import queries as patient_queries
from sclero.patients import service as patients
from sclero.patients import writes as patient_writes
from sclero.patients.schemas import HistoryIn
from sclero.rules import (
    CaseError,
    evaluate_document,
)

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*CLINICAL_ROLES)
def run_engine(uow: UnitOfWork, case: dict[str, Any]) -> dict[str, Any]:
    """Evaluate a case document (the public contract) with the protocol in force; nothing is
    read from or written to the record."""
    try:
        return evaluate_document(case, current_protocol())
    except CaseError as error:
        raise InvalidInput(error.message, field=error.field) from error


@use_case(*CLINICAL_ROLES)
def record_evaluation(
    uow: UnitOfWork, patient_id: int, data: EvaluationIn, version: int | None
) -> Evaluation:
    """Screen the patient with the protocol, store answers + result, update the coded history.
    The intake was filled on `version` of the patient's record: if someone else saved the
    history (or the details) since, it is refused and nothing is lost."""
    patient = patient_queries.load_patient(uow, patient_id)
    check_version(patient, version, patients.HISTORY)
    answers = data.model_dump(exclude={"notes"})
    result = screen(uow, build_case(uow, patient, answers)).to_document()
    patient_writes.replace_history(
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
    patient = patient_queries.load_patient(uow, patient_id)
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
    return patient_queries.read_record(uow, patient_id, "evaluation", query)


@use_case(*CLINICAL_ROLES)
def intake_defaults(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    """The intake form's starting answers: the coded history and weight on record, and the
    pregnancy / breastfeeding answers of the latest evaluation (the clinician confirms them)."""
    patient = patients.get_history(uow, patient_id)
    history = patient_queries.history_codes(patient)
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
