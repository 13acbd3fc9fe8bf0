"""Tables of the vein assessment: findings on the body map and duplex ultrasound results."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sclero.core.db import Base
from sclero.core.time import utcnow
from sclero.core.versioning import Versioned


class VeinFinding(Versioned, Base):
    """A vein (or group of veins) seen in one body region: type, diameter, colour, CEAP class."""

    __tablename__ = "vein_findings"
    __label__ = "vein finding"  # how a refusal names it

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(30))
    vein_type: Mapped[str] = mapped_column(String(30))
    vein_type_derived: Mapped[bool] = mapped_column(Boolean, default=False)  # from the diameter
    diameter_mm: Mapped[float] = mapped_column(Float)
    colour: Mapped[str | None] = mapped_column(String(20))  # red, blue, purple, …
    ceap_class: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once resolved/removed


class DuplexFinding(Base):
    """The result of a duplex ultrasound of the legs (saphenous, perforator, deep reflux)."""

    __tablename__ = "duplex_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    performed_on: Mapped[date] = mapped_column(Date)
    saphenous_reflux: Mapped[bool] = mapped_column(Boolean, default=False)
    perforator_reflux: Mapped[bool] = mapped_column(Boolean, default=False)
    deep_reflux: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
