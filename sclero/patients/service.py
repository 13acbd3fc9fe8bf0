"""The one door to the patient record: create, find, read, update, coded history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row as SqlRow
from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import make_transient_to_detached

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.bulk import insert_rows, reserve_ids
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, PossibleDuplicate
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version, snapshot
from sclero.patients import search
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
from sclero.patients.schemas import HistoryIn, PatientIn, PatientUpdate

PlainRow = SqlRow[*tuple[Any, ...]]  # a Core row: columns, no ORM object
IDENTITY_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK)
CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)
Row = TypeVar("Row")


@use_case(*IDENTITY_ROLES)
def create_patient(uow: UnitOfWork, data: PatientIn) -> Patient:
    """Register a new patient and give them a record number. When a patient with the same name
    and birth date is registered already, it is refused (409, naming them) until the user
    confirms this is another person (`confirm_not_duplicate`)."""
    same = same_person(uow, data.first_name, data.last_name, data.birth_date)
    if same and not data.confirm_not_duplicate:
        raise duplicate_warning(same)
    patient = add_patient(uow, data)
    audit.record(uow, "create", "patient", patient.id, patient_id=patient.id)
    uow.commit()
    return patient


def add_patient(uow: UnitOfWork, data: PatientIn) -> Patient:
    """A new patient with their record number (helper: the caller checks, audits, commits)."""
    return add_patients(uow, [data])[0]


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


def duplicate_warning(same: list[Patient]) -> PossibleDuplicate:
    names = "; ".join(f"{p.display_name} ({p.mrn})" for p in same)
    return PossibleDuplicate(
        f"A patient with this name and birth date is already registered: {names}. Open that "
        "record instead, or confirm that this is another person to register them.",
        field="confirm_not_duplicate",
        patients=[{"id": p.id, "mrn": p.mrn, "name": p.display_name} for p in same],
    )


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


@use_case(*IDENTITY_ROLES)
def get_patient(uow: UnitOfWork, patient_id: int) -> Patient:
    """Read one patient's identity (audited)."""
    patient = load_patient(uow, patient_id)
    audit.record(uow, "read", "patient", patient.id, patient_id=patient.id)
    return patient


@use_case(*IDENTITY_ROLES)
def update_patient(
    uow: UnitOfWork, patient_id: int, data: PatientUpdate, version: int | None
) -> Patient:
    """Correct the patient's details, made on `version` of the record (refused when someone
    else changed it since); audited with the old and new value of each field."""
    patient = load_patient(uow, patient_id)
    check_version(patient, version, "patient's record")
    changes = data.model_dump(exclude_unset=True)
    before = snapshot(patient, DETAIL_FIELDS)
    for name, value in changes.items():
        setattr(patient, name, value)
    audit.record_change(uow, "update", "patient", patient, before, patient_id=patient.id)
    uow.commit()
    return patient


@use_case(*IDENTITY_ROLES)
def search_patients(
    uow: UnitOfWork,
    *,
    q: str | None = None,
    birth_date: date | None = None,
    phone: str | None = None,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[Patient], int]:
    """Patients matching a name (or record number), birth date and phone, by name; audited.
    Every typed word must match; each is answered from the search-term index (see search.py)."""
    query = select(Patient)
    if q is not None and q.strip():
        words = search.query_words(q)
        if not words:  # only marks typed ("%", "-"): nothing that a name could match
            return [], 0
        for word in words:
            query = query.where(Patient.id.in_(_terms_starting(search.NAME, word)))
    if birth_date:
        query = query.where(Patient.birth_date == birth_date)
    if phone is not None and phone.strip():
        number = search.digits(phone)
        if len(number) < search.SHORTEST_PHONE_QUERY:
            raise InvalidInput(
                f"Type at least {search.SHORTEST_PHONE_QUERY} digits of the phone number.",
                field="phone",
            )
        query = query.where(Patient.id.in_(_terms_starting(search.PHONE, number)))
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        uow.session.scalars(
            query.order_by(Patient.last_name, Patient.first_name, Patient.id)
            .limit(limit)
            .offset(offset)
        )
    )
    audit.record(uow, "search", "patient", detail={"patient_ids": [p.id for p in rows]})
    return rows, total


def _terms_starting(kind: str, word: str) -> Select[Any]:
    """Ids of patients with a term of `kind` starting with `word`: a range on the primary key."""
    terms = PatientSearchTerm
    query = select(terms.patient_id).where(
        terms.kind == kind, terms.term >= word, terms.term < word + search.TERM_END
    )
    if len(word) < search.SHORTEST_ENDING:  # short fragments match the start of a word only
        query = query.where(terms.whole_word.is_(True))
    return query


@use_case(*CLINICAL_ROLES)
def get_history(uow: UnitOfWork, patient_id: int) -> Patient:
    """The patient with their coded history, medications and allergies (clinical roles; audited)."""
    patient = load_patient(uow, patient_id)
    audit.record(uow, "read", "history", patient.id, patient_id=patient.id)
    return patient


@use_case(*CLINICAL_ROLES)
def set_history(uow: UnitOfWork, patient_id: int, data: HistoryIn, version: int | None) -> Patient:
    """Replace the coded history, medications and allergies with what the intake recorded, made
    on `version` of the record: a stale save is refused, so nobody's allergy is lost."""
    patient = load_patient(uow, patient_id)
    check_version(patient, version, HISTORY)
    replace_history(uow, patient, data)
    uow.commit()
    return patient


HISTORY = "patient's medical history"
RECORD_ENTITIES = ("patient", "history")
"""The audit entities of changes to the patient's row (details, and history with the weight)."""
DETAIL_FIELDS = tuple(PatientUpdate.model_fields)
"""The fields of the patient's details whose old and new values an update's audit row keeps."""


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


def history_codes(patient: Patient) -> HistoryIn:
    return HistoryIn(
        conditions=[h.condition for h in patient.history if h.active],
        medications=[m.medication for m in patient.medications],
        allergies=[a.allergen for a in patient.allergies],
    )


# --- holds on new treatment -----------------------------------------------------------------


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


@use_case(*IDENTITY_ROLES)
def clinic_holds(uow: UnitOfWork, *, limit: int, offset: int = 0) -> tuple[list[PlainRow], int]:
    """One page of the holds awaiting a physician's review, oldest first, each with its patient's
    name (plain rows: reason, summary, source_id, placed_at, patient_id, first_name, last_name),
    and how many there are in all (Today; audited)."""
    waiting = PatientHold.reviewed_at.is_(None)
    total = uow.session.scalar(select(func.count()).select_from(PatientHold).where(waiting)) or 0
    query = (
        select(
            PatientHold.id,
            PatientHold.reason,
            PatientHold.summary,
            PatientHold.source_id,
            PatientHold.placed_at,
            PatientHold.patient_id,
            Patient.first_name,
            Patient.last_name,
        )
        .join(Patient, Patient.id == PatientHold.patient_id)
        .where(waiting)
        .order_by(PatientHold.placed_at, PatientHold.id)
        .limit(limit)
        .offset(offset)
    )
    rows = list(uow.session.execute(query))
    audit.record(uow, "read", "hold", detail={"patient_ids": sorted({r.patient_id for r in rows})})
    return rows, total
