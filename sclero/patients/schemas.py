"""Request and response models of the patient record."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import EmailStr, Field, field_validator

from sclero.core.schemas import Name, Note, Out, Strict, code_in
from sclero.rules.vocabulary import Allergy, Condition, Medication, Sex

SexCode = Annotated[str, code_in(Sex.codes(), "sex")]
ConditionCode = Annotated[str, code_in(Condition.codes(), "condition")]
MedicationCode = Annotated[str, code_in(Medication.codes(), "medication")]
AllergyCode = Annotated[str, code_in(Allergy.codes(), "allergy")]


class PatientIn(Strict):
    first_name: Name
    last_name: Name
    birth_date: date
    sex: SexCode
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=500)
    notes: Note = None

    @field_validator("birth_date")
    @classmethod
    def _birth_date_in_past(cls, value: date) -> date:
        from sclero.core.time import today

        if value > today():
            raise ValueError("the birth date cannot be in the future")
        if value.year < 1900:
            raise ValueError("the birth date is before 1900; please check it")
        return value


class PatientUpdate(Strict):
    first_name: Name | None = None
    last_name: Name | None = None
    birth_date: date | None = None
    sex: SexCode | None = None
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=500)
    notes: Note = None


class HistoryIn(Strict):
    """The coded medical history as a whole: replaces what was recorded before."""

    conditions: list[ConditionCode] = Field(default_factory=list)
    medications: list[MedicationCode] = Field(default_factory=list)
    allergies: list[AllergyCode] = Field(default_factory=list)


class PatientSummary(Out):
    id: int
    mrn: str
    first_name: str
    last_name: str
    birth_date: date
    sex: str
    phone: str | None


class PatientOut(PatientSummary):
    weight_kg: float | None
    email: str | None
    address: str | None
    notes: str | None


class HistoryOut(Strict):
    conditions: list[str]
    medications: list[str]
    allergies: list[str]
