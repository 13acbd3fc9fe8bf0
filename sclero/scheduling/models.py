"""Tables of scheduling: appointments for evaluation, treatment sessions and follow-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sclero.core.db import Base, Timestamped
from sclero.core.versioning import Versioned
from sclero.scheduling.choices import AppointmentStatus


class Appointment(Versioned, Timestamped, Base):
    """A booked visit; `kind` is evaluation, session or follow_up."""

    __tablename__ = "appointments"
    __label__ = "appointment"  # how a refusal names it
    # (id, patient_id) is what a session points at, so a session can only use its own patient's
    # appointment (the database checks it; charting never reads this table).
    # By start and status: the calendar's ranges, and the outcomes report's appointments per
    # month by status read from this index alone.
    __table_args__ = (
        UniqueConstraint("id", "patient_id", name="uq_appointments_id_patient"),
        Index("ix_appointments_starts_at_status", "starts_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=AppointmentStatus.BOOKED)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    regions: Mapped[list[str] | None] = mapped_column(JSON)  # areas a session will treat
    interval_override_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
