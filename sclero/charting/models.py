"""Tables of session charting: the treatment session, its checklist and every injection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sclero.charting.choices import SessionStatus
from sclero.core.db import Base
from sclero.core.time import utcnow


class TreatmentSession(Base):
    """One sclerotherapy session: limits fixed at start, injections, aftercare."""

    __tablename__ = "treatment_sessions"
    __label__ = "treatment session"  # how a refusal names it
    __table_args__ = (
        # A session's appointment must be one of its own patient's appointments.
        ForeignKeyConstraint(
            ["appointment_id", "patient_id"],
            ["appointments.id", "appointments.patient_id"],
            name="fk_treatment_sessions_appointment_patient",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("treatment_plans.id"))
    appointment_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON)
    weight_kg: Mapped[float] = mapped_column(Float)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)  # the engine's session limits
    protocol_version: Mapped[str] = mapped_column(String(20))
    interval_override_reason: Mapped[str | None] = mapped_column(Text)  # a physician's, at start
    compression: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    aftercare: Mapped[list[str] | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)

    charted: Mapped[list[Injection]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Injection.id"
    )
    """Every injection charted, voided ones included: the record as it was written."""
    injections: Mapped[list[Injection]] = relationship(
        primaryjoin="and_(TreatmentSession.id == Injection.session_id, "
        "Injection.voided_at.is_(None))",
        order_by="Injection.id",
        viewonly=True,
    )
    """The injections given: what the tally, the interval, the chart and the exports count."""


class Injection(Base):
    """One injection: where, into which finding, which agent at what strength and volume."""

    __tablename__ = "injections"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(30))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("vein_findings.id"))
    vein_type: Mapped[str | None] = mapped_column(String(30))
    agent: Mapped[str] = mapped_column(String(40))
    concentration_percent: Mapped[float] = mapped_column(Float)
    volume_ml: Mapped[float] = mapped_column(Float)
    technique: Mapped[str] = mapped_column(String(10))  # liquid or foam
    liquid_gas_ratio: Mapped[str | None] = mapped_column(String(10))  # e.g. "1:4" for foam
    needle_gauge: Mapped[int | None] = mapped_column(Integer)
    lot_number: Mapped[str | None] = mapped_column(String(40))
    agent_mg: Mapped[float] = mapped_column(Float)
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    charted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    charted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A charting error is voided with a reason, never deleted; a correction replaces it.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("injections.id"))

    session: Mapped[TreatmentSession] = relationship(back_populates="charted")

    @property
    def voided(self) -> bool:
        return self.voided_at is not None
