"""What other code reads from the patient record: loaders and lookups for use cases that have
checked the role already (no role check, no commit; only `read_record` audits)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row as SqlRow
from sqlalchemy import Select, func, select

from sclero.core import audit
from sclero.core.db import UnitOfWork
from sclero.patients.models import (
    Patient,
    PatientHold,
)
from sclero.patients.schemas import HistoryIn

PlainRow = SqlRow[*tuple[Any, ...]]  # a Core row: columns, no ORM object
Row = TypeVar("Row")


def mrn_of(patient_id: int) -> str:
    """The clinic's record number of the patient with this id."""
    return f"SC-{patient_id:06d}"


def same_person(uow: UnitOfWork, first_name: str, last_name: str, born: date) -> list[Patient]:
    """Registered patients with this name (any case) and birth date (helper: no audit)."""
    query = select(Patient).where(
        func.lower(Patient.first_name) == first_name.lower(),
        func.lower(Patient.last_name) == last_name.lower(),
        Patient.birth_date == born,
    )
    return list(uow.session.scalars(query.order_by(Patient.id).limit(10)))


def read_record(
    uow: UnitOfWork,
    patient_id: int,
    entity: str,
    query: Select[Row],
) -> list[Row]:
    """One kind of row from a patient's record, audited as one read (for a use case, which
    declares its roles)."""
    load_patient(uow, patient_id)
    rows = list(uow.session.scalars(query))
    audit.record(uow, "read", entity, patient_id=patient_id, detail={"count": len(rows)})
    return rows


def load_patient(uow: UnitOfWork, patient_id: int) -> Patient:
    """The patient, or NotFound; no role check or audit (for other services that already did)."""
    return uow.get(Patient, patient_id, field="patient_id")


def name_rows(uow: UnitOfWork, patient_ids: set[int]) -> dict[int, PlainRow]:
    """Id, record number and name of these patients, by id, as plain rows rather than ORM
    objects, for long lists such as the calendar (helper: no role check, no audit)."""
    if not patient_ids:
        return {}
    query = select(Patient.id, Patient.mrn, Patient.first_name, Patient.last_name).where(
        Patient.id.in_(sorted(patient_ids))
    )
    return {row.id: row for row in uow.session.execute(query)}


def lock_patient(uow: UnitOfWork, patient_id: int) -> Patient:
    """The patient, with their row held until commit (PostgreSQL): serialises the checks of two
    requests that would otherwise both pass them (e.g. two sessions started at once)."""
    return uow.get(Patient, patient_id, field="patient_id", for_update=True)


def history_codes(patient: Patient) -> HistoryIn:
    return HistoryIn(
        conditions=[h.condition for h in patient.history if h.active],
        medications=[m.medication for m in patient.medications],
        allergies=[a.allergen for a in patient.allergies],
    )


def holds_of(uow: UnitOfWork, source: str, source_id: int) -> list[PatientHold]:
    """The holds one entity placed (helper: no role check, no audit)."""
    query = select(PatientHold).where(
        PatientHold.source == source, PatientHold.source_id == source_id
    )
    return list(uow.session.scalars(query.order_by(PatientHold.id)))


def open_holds(uow: UnitOfWork, patient_id: int | None = None) -> list[PatientHold]:
    """Holds not yet reviewed — of one patient, or of the whole clinic (helper: the caller has
    checked the role; the clinic-wide list names patients only to the roles that see them)."""
    query = select(PatientHold).where(PatientHold.reviewed_at.is_(None))
    if patient_id is not None:
        query = query.where(PatientHold.patient_id == patient_id)
    return list(uow.session.scalars(query.order_by(PatientHold.placed_at, PatientHold.id)))
