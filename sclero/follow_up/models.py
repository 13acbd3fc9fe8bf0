"""Tables of follow-up: clearance per treated region, satisfaction, and photos."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sclero.core.db import Base
from sclero.core.time import utcnow


class FollowUp(Base):
    """A follow-up visit after a session: how much cleared, how satisfied, what next."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"))
    performed_on: Mapped[date] = mapped_column(Date)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1 (very unhappy) … 5 (very happy)
    more_sessions_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    clearances: Mapped[list[RegionClearance]] = relationship(
        back_populates="follow_up", cascade="all, delete-orphan", order_by="RegionClearance.id"
    )


class RegionClearance(Base):
    """Clearance of one treated region on the reference's 0–3 scale (3 = 75–100 %, a success)."""

    __tablename__ = "region_clearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(30))
    level: Mapped[int] = mapped_column(Integer)

    follow_up: Mapped[FollowUp] = relationship(back_populates="clearances")


class Photo(Base):
    """A clinical photo: metadata here, the bytes on disk under their SHA-256."""

    __tablename__ = "photos"
    __label__ = "photo"  # how a refusal names it

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"))
    side: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(30))
    taken_on: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    caption: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
