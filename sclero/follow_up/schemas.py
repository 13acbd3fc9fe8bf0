"""Request and response models of follow-up visits and photos."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, field_validator

from sclero.assessment.schemas import RegionCode, SideCode
from sclero.core.schemas import Note, Out, Strict


class ClearanceIn(Strict):
    side: SideCode
    region: RegionCode
    level: int = Field(ge=0, le=3, description="0 < 25 %, 1 25–49 %, 2 50–74 %, 3 75–100 % gone")


class FollowUpIn(Strict):
    session_id: int | None = None
    performed_on: date
    clearances: list[ClearanceIn] = Field(min_length=1)
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    more_sessions_needed: bool = False
    notes: Note = None

    @field_validator("clearances")
    @classmethod
    def _one_per_region(cls, value: list[ClearanceIn]) -> list[ClearanceIn]:
        keys = [(c.side, c.region) for c in value]
        if len(keys) != len(set(keys)):
            raise ValueError("each side and region can be scored only once")
        return value


class ClearanceOut(Out):
    side: str
    region: str
    level: int


class FollowUpOut(Out):
    id: int
    patient_id: int
    session_id: int | None
    performed_on: date
    satisfaction: int | None
    more_sessions_needed: bool
    notes: str | None
    clearances: list[ClearanceOut]


class PhotoMeta(Strict):
    side: SideCode
    region: RegionCode
    taken_on: date
    follow_up_id: int | None = None
    session_id: int | None = None
    caption: str | None = Field(default=None, max_length=500)


class PhotoOut(Out):
    id: int
    patient_id: int
    follow_up_id: int | None
    session_id: int | None
    side: str
    region: str
    taken_on: date
    sha256: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    caption: str | None
    uploaded_at: datetime


# The clearance scale's words and its success level are the protocol's (`clearance_scale`).
SATISFACTION_SCALE = {
    1: "Very unhappy",
    2: "Unhappy",
    3: "Neutral",
    4: "Happy",
    5: "Very happy",
}
