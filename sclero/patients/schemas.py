"""Request and response models of the patient record."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
)

from sclero.core.schemas import Name, Note, Out, Strict, code_in
from sclero.core.time import today
from sclero.rules.vocabulary import Allergy, Condition, Medication, Sex

SexCode = Annotated[str, code_in(Sex.codes(), "sex")]
ConditionCode = Annotated[str, code_in(Condition.codes(), "condition")]
MedicationCode = Annotated[str, code_in(Medication.codes(), "medication")]
AllergyCode = Annotated[str, code_in(Allergy.codes(), "allergy")]


def _plausible_birth_date(value: date) -> date:
    """A birth date that can be a living patient's: not in the future, not before 1900."""
    if value > today():
        raise ValueError("the birth date cannot be in the future")
    if value.year < 1900:
        raise ValueError("the birth date is before 1900; please check it")
    return value


def _written_date(value: object) -> object:
    """A date is written out (1980-02-11): a bare number (0 would read as 1 January 1970) is
    refused rather than guessed."""
    if isinstance(value, int | float):
        raise ValueError("write the birth date as a date, e.g. 1980-02-11")
    return value


BirthDate = Annotated[date, BeforeValidator(_written_date), AfterValidator(_plausible_birth_date)]
# Fields every record must keep: a change may correct them, never blank them.
REQUIRED_ON_UPDATE = {
    "first_name": "first name",
    "last_name": "last name",
    "birth_date": "birth date",
    "sex": "sex",
}


class PatientIn(Strict):
    first_name: Name
    last_name: Name
    birth_date: BirthDate
    sex: SexCode
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=500)
    notes: Note = None
    # a patient with this name and birth date exists: register only when the user confirms
    # this is another person
    confirm_not_duplicate: bool = False


class PatientUpdate(Strict):
    """A correction of the record: only the fields sent change; a required field sent as null
    is refused (it would erase the patient's name, birth date or sex)."""

    first_name: Name | None = None
    last_name: Name | None = None
    birth_date: BirthDate | None = None
    sex: SexCode | None = None
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=500)
    notes: Note = None

    @field_validator(*REQUIRED_ON_UPDATE)
    @classmethod
    def _not_blanked(cls, value: object, info: ValidationInfo) -> object:
        # Only an explicit null reaches here: a field left out keeps its default unvalidated.
        if value is None:
            what = REQUIRED_ON_UPDATE[str(info.field_name)]
            raise ValueError(f"the {what} cannot be removed; leave it out to keep it as it is")
        return value


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
    version: int
    weight_kg: float | None
    email: str | None
    address: str | None
    notes: str | None


class HistoryOut(Strict):
    conditions: list[str]
    medications: list[str]
    allergies: list[str]
    version: int  # of the patient's record, as the ETag
