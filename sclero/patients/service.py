"""The one door to the patient record: create, find, read, update, coded history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, true

from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, PossibleDuplicate
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version, snapshot
from sclero.patients import search
from sclero.patients.models import (
    Patient,
    PatientHold,
    PatientSearchTerm,
)
from sclero.patients.queries import PlainRow, load_patient, same_person
from sclero.patients.schemas import HistoryIn, PatientIn, PatientUpdate
from sclero.patients.writes import add_patients, replace_history

IDENTITY_ROLES = (Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK)
CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*IDENTITY_ROLES)
def create_patient(uow: UnitOfWork, data: PatientIn) -> Patient:
    """Register a new patient and give them a record number. When a patient with the same name
    and birth date is registered already, it is refused (409, naming them) until the user
    confirms this is another person (`confirm_not_duplicate`)."""
    same = same_person(uow, data.first_name, data.last_name, data.birth_date)
    if same and not data.confirm_not_duplicate:
        raise _duplicate_warning(same)
    (patient,) = add_patients(uow, [data])
    audit.record(uow, "create", "patient", patient.id, patient_id=patient.id)
    uow.commit()
    return patient


def _duplicate_warning(same: list[Patient]) -> PossibleDuplicate:
    names = "; ".join(f"{p.display_name} ({p.mrn})" for p in same)
    return PossibleDuplicate(
        f"A patient with this name and birth date is already registered: {names}. Open that "
        "record instead, or confirm that this is another person to register them.",
        field="confirm_not_duplicate",
        patients=[{"id": p.id, "mrn": p.mrn, "name": p.display_name} for p in same],
    )


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
        for index, word in enumerate(words):
            query = query.where(Patient.id.in_(_terms_starting(search.NAME, word, index)))
    if birth_date:
        query = query.where(Patient.birth_date == birth_date)
    if phone is not None and phone.strip():
        number = search.digits(phone)
        if len(number) < search.SHORTEST_PHONE_QUERY:
            raise InvalidInput(
                f"Type at least {search.SHORTEST_PHONE_QUERY} digits of the phone number.",
                field="phone",
            )
        query = query.where(Patient.id.in_(_terms_starting(search.PHONE, number, 0)))
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


def _terms_starting(kind: str, word: str, index: int) -> Select[Any]:
    """Ids of patients with a term of `kind` starting with `word`: a range on the primary key,
    or for a short word (whole words only) on the whole-word index.

    Materialized on PostgreSQL for two letters or more: left to itself, its planner walked the
    patients in name order and probed each one's terms until 25 matched, expecting matches to be
    spread evenly over the alphabet; the patients of one name fragment are not (in 100 000
    patients: "mann" 134 -> 12 ms a page, "ma" 61 -> 41 ms, when the matching ids come first).
    One letter matches so many that the walk finds 25 soonest (56 ms; 144 ms materialized)."""
    terms = PatientSearchTerm
    query = select(terms.patient_id).where(
        terms.kind == kind, terms.term >= word, terms.term < word + search.TERM_END
    )
    if len(word) < search.SHORTEST_ENDING:  # short fragments match the start of a word only
        query = query.where(terms.whole_word == true())  # "=", not "IS": indexable
    if len(word) < MATERIALIZED_FROM:
        return query
    matching = query.cte(f"{kind}_{index}").prefix_with("MATERIALIZED", dialect="postgresql")
    return select(matching.c.patient_id)


MATERIALIZED_FROM = 2
"""The shortest search word whose matching ids PostgreSQL gathers before it reads patients."""


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


# --- holds on new treatment -----------------------------------------------------------------


@use_case(*IDENTITY_ROLES)
def clinic_holds(uow: UnitOfWork, *, limit: int, offset: int = 0) -> tuple[list[PlainRow], int]:
    """One page of the holds awaiting a physician's review, oldest first, each with its patient's
    name (plain rows: reason, summary, source_id, placed_at, patient_id, first_name, last_name),
    and how many there are in all (Today; audited)."""
    waiting = PatientHold.reviewed_at.is_(None)
    total = uow.session.scalar(select(func.count()).select_from(PatientHold).where(waiting)) or 0
    # The page of holds first, then its patients' names: joined before the limit, PostgreSQL
    # hashed every patient of the clinic to name a page of 20 (17 ms of Today's 24 at 100 000
    # patients; 0.6 ms this way).
    h = PatientHold
    page = (
        select(h.id, h.reason, h.summary, h.source_id, h.placed_at, h.patient_id)
        .where(waiting)
        .order_by(h.placed_at, h.id)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    query = (
        select(*page.c, Patient.first_name, Patient.last_name)
        .join(Patient, Patient.id == page.c.patient_id)
        .order_by(page.c.placed_at, page.c.id)
    )
    rows = list(uow.session.execute(query))
    audit.record(uow, "read", "hold", detail={"patient_ids": sorted({r.patient_id for r in rows})})
    return rows, total
