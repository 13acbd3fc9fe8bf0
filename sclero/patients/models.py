"""Tables of the patient record: identity, contact, body weight, history, medications, allergies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    delete,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from sclero.core.bulk import insert_rows
from sclero.core.db import Base, Timestamped
from sclero.core.time import utcnow
from sclero.core.versioning import Versioned
from sclero.patients.search import terms_of


class Patient(Versioned, Timestamped, Base):
    """A person the clinic evaluates or treats."""

    __tablename__ = "patients"
    __label__ = "patient"  # how a refusal names it
    __table_args__ = (Index("ix_patients_name", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(20), unique=True)  # the clinic's record number
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(10))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    history: Mapped[list[HistoryItem]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="HistoryItem.id"
    )
    medications: Mapped[list[PatientMedication]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="PatientMedication.id"
    )
    allergies: Mapped[list[PatientAllergy]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="PatientAllergy.id"
    )

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


class HistoryItem(Base):
    """A coded medical-history condition (Condition vocabulary), current or past."""

    __tablename__ = "patient_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    condition: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(back_populates="history")


class PatientMedication(Base):
    """A coded current medication (Medication vocabulary)."""

    __tablename__ = "patient_medications"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    medication: Mapped[str] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(back_populates="medications")


class PatientAllergy(Base):
    """A coded allergy (Allergy vocabulary) with the reaction in free text."""

    __tablename__ = "patient_allergies"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    allergen: Mapped[str] = mapped_column(String(60))
    reaction: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(back_populates="allergies")


class PatientHold(Base):
    """A hold on new treatment: something (an open urgent adverse event) a physician must review
    before the patient's next session. It stays in the record once reviewed, with who and why."""

    __tablename__ = "patient_holds"
    __label__ = "hold"  # how a refusal names it

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(40))  # HoldReason
    summary: Mapped[str] = mapped_column(Text)  # what the clinical team sees (e.g. "Chest pain")
    source: Mapped[str] = mapped_column(String(40))  # the entity that placed it: adverse_event
    source_id: Mapped[int] = mapped_column(index=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)

    @property
    def is_open(self) -> bool:
        return self.reviewed_at is None


class PatientSearchTerm(Base):
    """A folded name word, word ending, record number or phone ending of one patient, so that
    search is a range scan on this table's primary key, or for a short word on its whole-word
    index (see patients/search.py)."""

    __tablename__ = "patient_search_terms"
    __table_args__ = (
        # short words match whole words only: a range of this index, not of the primary key
        Index("ix_patient_search_terms_whole_word", "kind", "whole_word", "term", "patient_id"),
    )

    kind: Mapped[str] = mapped_column(String(5), primary_key=True)  # name | phone
    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    whole_word: Mapped[bool] = mapped_column(Boolean)


_SEARCHED = ("first_name", "last_name", "mrn", "phone")


def search_term_rows(patient_id: int, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of `patient_search_terms` for one patient's searched fields."""
    terms = terms_of(values["first_name"], values["last_name"], values["mrn"], values.get("phone"))
    return [
        {"kind": kind, "term": term[:100], "patient_id": patient_id, "whole_word": whole}
        for kind, term, whole in terms
    ]


@event.listens_for(Session, "after_flush")
def _reindex_patients(session: Session, _context: Any) -> None:
    """Keep the search terms of every patient added or renamed in this flush (any writer: pages,
    API, import) in the same transaction as the change."""
    changed = [
        patient
        for patient in (*session.new, *session.dirty)
        if isinstance(patient, Patient)
        and (patient in session.new or _searched_fields_changed(patient))
    ]
    if not changed:
        return
    table = PatientSearchTerm.__table__
    assert isinstance(table, Table)
    ids = [patient.id for patient in changed if patient not in session.new]  # new: no terms yet
    connection = session.connection()
    if ids:
        connection.execute(delete(table).where(table.c.patient_id.in_(ids)))
    rows = [
        row
        for patient in changed
        for row in search_term_rows(patient.id, {f: getattr(patient, f) for f in _SEARCHED})
    ]
    insert_rows(connection, table, rows)


def _searched_fields_changed(patient: Patient) -> bool:
    state = inspect(patient)
    return any(state.attrs[field].history.has_changes() for field in _SEARCHED)
