"""Request and response models of scheduling."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from sclero.assessment.schemas import RegionCode
from sclero.core.auth import sees_clinical
from sclero.core.db import Actor
from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.core.time import to_clinic_wall_time, with_clinic_offset
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus

KINDS = AppointmentKind.codes()
STATUSES = AppointmentStatus.codes()


ClinicTime = Annotated[datetime, AfterValidator(to_clinic_wall_time)]
"""An appointment time as the clinic's wall clock (an offset in the input is converted)."""


class AppointmentIn(Strict):
    kind: Annotated[str, code_in(KINDS, "appointment kind")]
    starts_at: ClinicTime
    duration_minutes: int = Field(default=30, ge=5, le=240)
    regions: list[RegionCode] | None = None
    interval_override_reason: str | None = Field(default=None, min_length=5, max_length=2000)
    notes: Note = None


class Reschedule(Strict):
    starts_at: ClinicTime
    interval_override_reason: str | None = Field(default=None, min_length=5, max_length=2000)


class StatusChange(Strict):
    status: Annotated[str, code_in(STATUSES, "status")]
    reason: str | None = Field(default=None, max_length=500)


class AppointmentOut(Out):
    id: int
    version: int  # send it back as If-Match to change this record
    patient_id: int
    kind: str
    status: str
    starts_at: Annotated[datetime, AfterValidator(with_clinic_offset)]  # the clinic's offset
    duration_minutes: int
    regions: list[str] | None
    interval_override_reason: str | None
    notes: str | None

    @classmethod
    def shown_to(cls, actor: Actor, appointment: object) -> AppointmentOut:
        """The appointment as `actor` may read it: a physician's clinical reason for booking
        sooner than the interval is for clinical staff only."""
        out = cls.model_validate(appointment)
        if out.interval_override_reason and not sees_clinical(actor):
            out.interval_override_reason = "(recorded by a physician)"
        return out


class Suggestions(Strict):
    """When the protocol lets the next visits be: earliest session and follow-up due date."""

    earliest_next_session: date | None
    follow_up_due: date | None
    last_session: date | None
    interval_days: int
    follow_up_days: int
    sources: list[str]
