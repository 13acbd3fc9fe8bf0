"""Writes to the patient record that other steps' use cases compose: no role check, no commit;
the calling use case checks the role, audits what it did and commits once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import make_transient_to_detached

from sclero.core import audit
from sclero.core.bulk import insert_rows, reserve_ids
from sclero.core.db import UnitOfWork
from sclero.core.time import utcnow
from sclero.patients.choices import HoldReason
from sclero.patients.models import (
    HistoryItem,
    Patient,
    PatientAllergy,
    PatientHold,
    PatientMedication,
    PatientSearchTerm,
    search_term_rows,
)
from sclero.patients.queries import history_codes, mrn_of
from sclero.patients.schemas import HistoryIn, PatientIn


def add_patients(uow: UnitOfWork, people: Sequence[PatientIn]) -> list[Patient]:
    """New patients with their record numbers and search terms, inserted together (helper, as
    above): one reservation of ids, so each row goes in with its record number, then one bulk
    insert per table. The patients returned are in the session as rows it has read."""
    table, terms = Patient.__table__, PatientSearchTerm.__table__
    assert isinstance(table, Table)
    assert isinstance(terms, Table)
    connection = uow.session.connection()
    ids = reserve_ids(connection, table, len(people))
    now = utcnow()
    rows = [
        {"id": i, "mrn": mrn_of(i), "created_at": now, "updated_at": now, "version": 1,
         **d.model_dump(exclude={"confirm_not_duplicate"})}
        for i, d in zip(ids, people, strict=True)
    ]  # fmt: skip
    insert_rows(connection, table, rows)
    insert_rows(connection, terms, [t for row in rows for t in search_term_rows(row["id"], row)])
    patients = [Patient(**row) for row in rows]
    for patient in patients:
        make_transient_to_detached(patient)  # inserted above: the session must not insert it
    uow.session.add_all(patients)
    return patients


def replace_history(
    uow: UnitOfWork, patient: Patient, data: HistoryIn, weight_kg: float | None = None
) -> None:
    """Set the coded lists (and the weight, if given) on `patient` and audit the old and new
    codes (helper: the caller checked the version and commits)."""
    before = _history_values(patient)
    if weight_kg is not None:
        patient.weight_kg = weight_kg
    patient.history = [HistoryItem(condition=code) for code in dict.fromkeys(data.conditions)]
    patient.medications = [
        PatientMedication(medication=code) for code in dict.fromkeys(data.medications)
    ]
    patient.allergies = [PatientAllergy(allergen=code) for code in dict.fromkeys(data.allergies)]
    patient.updated_at = utcnow()  # the patient's row changes too: a new version of the record
    after = _history_values(patient)
    audit.record_change(
        uow, "update", "history", patient, before, after=after, patient_id=patient.id
    )


def _history_values(patient: Patient) -> dict[str, Any]:
    return {**history_codes(patient).model_dump(), "weight_kg": patient.weight_kg}


def place_hold(
    uow: UnitOfWork, patient_id: int, reason: HoldReason, summary: str, source: str, source_id: int
) -> PatientHold:
    """Hold the patient's next session until a physician reviews (helper: the caller audits and
    commits, together with what placed the hold)."""
    hold = PatientHold(
        patient_id=patient_id,
        reason=reason,
        summary=summary,
        source=source,
        source_id=source_id,
        placed_by_id=uow.actor.user_id,
    )
    uow.session.add(hold)
    uow.session.flush()
    return hold


def review_hold(uow: UnitOfWork, hold: PatientHold, note: str) -> None:
    """A physician's review lifts the hold (helper: the caller checks the role, audits, commits)."""
    hold.reviewed_at = utcnow()
    hold.reviewed_by_id = uow.actor.user_id
    hold.review_note = note
