"""Tables of treatment planning: the plan, its items per finding, and the signed consent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sclero.core.db import Base, Timestamped
from sclero.core.versioning import Versioned
from sclero.planning.choices import PlanStatus


class TreatmentPlan(Versioned, Timestamped, Base):
    """The course of treatment a physician approved, from the engine's proposal."""

    __tablename__ = "treatment_plans"
    __label__ = "treatment plan"  # how a refusal names it

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    protocol_id: Mapped[str] = mapped_column(String(60))
    protocol_version: Mapped[str] = mapped_column(String(20))
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)  # the engine's plan document
    weight_kg: Mapped[float] = mapped_column(Float)
    max_agent_mg: Mapped[float | None] = mapped_column(Float)
    max_foam_ml: Mapped[float | None] = mapped_column(Float)
    max_liquid_ml: Mapped[float | None] = mapped_column(Float)
    expected_sessions: Mapped[str | None] = mapped_column(String(20))
    interval_days: Mapped[int] = mapped_column(Integer)
    compression: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    # a physician's written decision on the referrals / relative contraindications at approval
    physician_decision_codes: Mapped[list[str] | None] = mapped_column(JSON)
    physician_decision_reason: Mapped[str | None] = mapped_column(Text)
    physician_decision_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.position"
    )


class PlanItem(Versioned, Base):
    """What the plan says for one vein finding: technique, agent, concentration, volume."""

    __tablename__ = "plan_items"
    __label__ = "plan item"  # how a refusal names it

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_plans.id", ondelete="CASCADE"), index=True
    )
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("vein_findings.id"))
    position: Mapped[int] = mapped_column(Integer)
    vein_type: Mapped[str] = mapped_column(String(30))
    technique: Mapped[str] = mapped_column(String(10))
    agent: Mapped[str | None] = mapped_column(String(40))
    concentration_min: Mapped[float | None] = mapped_column(Float)
    concentration_max: Mapped[float | None] = mapped_column(Float)
    max_volume_per_injection_ml: Mapped[float | None] = mapped_column(Float)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    departs_from_proposal: Mapped[bool] = mapped_column(Boolean, default=False)
    departure_reason: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[TreatmentPlan] = relationship(back_populates="items")


class Consent(Base):
    """The patient's informed consent to a plan: the text shown and who signed when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("treatment_plans.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    signed_by_name: Mapped[str] = mapped_column(String(200))
    # Set when a representative signs for the patient (e.g. "mother", "legal guardian").
    representative_relationship: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    witnessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
