"""Tables of adverse events: what happened after treatment, how bad, how it was managed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sclero.adverse_events.choices import EventStatus
from sclero.core.db import Base
from sclero.core.time import utcnow
from sclero.core.versioning import Versioned


class AdverseEvent(Versioned, Base):
    """A complication reported after a session, triaged by the protocol and managed to closure."""

    __tablename__ = "adverse_events"
    __label__ = "adverse event"  # how a refusal names it
    # The outcomes report counts a range's events by their session: a probe per session that
    # reads this index alone (and a session's events without a scan of every event).
    __table_args__ = (
        Index(
            "ix_adverse_events_session_id",
            "session_id",
            "event_type",
            "severity",
            "outcome",
            "onset_date",
            "patient_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    triage_level: Mapped[str] = mapped_column(String(20))
    triage: Mapped[dict[str, object] | None] = mapped_column(JSON)
    onset_date: Mapped[date] = mapped_column(Date)
    severity: Mapped[str] = mapped_column(String(10))  # mild/moderate/severe
    management: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(40))  # an Outcome code (choices.py)
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.OPEN, index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
