"""Tables of the patient record: identity, contact, body weight, history, medications, allergies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sclero.core.db import Base, Timestamped
from sclero.core.time import utcnow
from sclero.core.versioning import Versioned


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
