"""Tables of the medical evaluation: screening answers and the engine's stamped result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sclero.core.db import Base
from sclero.core.time import utcnow


class Evaluation(Base):
    """A medical evaluation: what was asked, and the protocol's decision at that moment."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    performed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # the case document sent to the engine
    decision: Mapped[str] = mapped_column(String(30), index=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the engine's result document
    protocol_id: Mapped[str] = mapped_column(String(60))
    protocol_version: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
