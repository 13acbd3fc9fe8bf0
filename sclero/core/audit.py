"""The append-only audit log: who read or changed which patient's data, when and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sclero.core.db import Base, UnitOfWork
from sclero.core.time import utcnow


class AuditEntry(Base):
    """One read or change of patient data. Never updated or deleted (guarded here and in SQL)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # read, create, update, delete, login, …
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("The audit log is append-only.")


def record(
    uow: UnitOfWork,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the unit of work (it commits or rolls back with the change)."""
    actor = uow.actor
    uow.session.add(
        AuditEntry(
            user_id=actor.user_id,
            username=actor.username,
            role=actor.role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            address=actor.address,
            detail=detail,
        )
    )


def list_entries(
    uow: UnitOfWork,
    *,
    patient_id: int | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit entries, newest first, filtered (admins only)."""
    uow.require_role("admin")
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(uow.session.scalars(query))
