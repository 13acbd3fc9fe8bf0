"""Tables of scheduling: appointments for evaluation, treatment sessions and follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sclero.core.db import Base, Timestamped


class Appointment(Timestamped, Base):
    """A booked visit; `kind` is evaluation, session or follow_up."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="booked")  # booked/arrived/done/…
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    regions: Mapped[list[str] | None] = mapped_column(JSON)  # areas a session will treat
    interval_override_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
