"""Tables of FHIR exchange: Bulk Data export jobs, kept in the database so that they survive a
restart and every worker process sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sclero.core.db import Base
from sclero.core.time import utcnow


class ExportJob(Base):
    """One Bulk Data export ($export): who asked what, where it stands, the files it wrote."""

    __tablename__ = "fhir_export_jobs"
    __label__ = "export job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random: the status URL
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # system, patient or group
    group_id: Mapped[str | None] = mapped_column(String(40))
    types: Mapped[list[str]] = mapped_column(JSON)
    since: Mapped[datetime | None] = mapped_column(DateTime)
    request_url: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    progress: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    output: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    transaction_time: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
