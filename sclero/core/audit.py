"""The append-only audit log: who read or changed which patient's data, when and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from sclero.core.db import PENDING_READS, Actor, Base, UnitOfWork
from sclero.core.time import utcnow
from sclero.core.versioning import Versioned, changed, label_of, snapshot, stale


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


READ_ACTIONS = frozenset({"read", "search", "export"})
"""Actions that only look at data: one entry per unit of work lists them all."""


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
    """Add an audit entry to the unit of work (it commits or rolls back with the change).
    Reads are collected instead and written as one entry when the unit of work ends."""
    if action in READ_ACTIONS:
        reads = uow.session.info.setdefault(PENDING_READS, [])
        reads.append(_Read(uow.actor, action, entity, entity_id, patient_id, detail))
        return
    uow.session.add(_entry(uow.actor, action, entity, entity_id, patient_id, detail))


def record_change(
    uow: UnitOfWork,
    action: str,
    entity: str,
    row: Versioned,
    before: dict[str, Any],
    *,
    patient_id: int | None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a change of a versioned row with the old and new value of each field that changed
    (`before` is the row's snapshot() taken before the change, `after` by default the same
    fields now) and the version it made."""
    try:
        uow.session.flush()  # the row gets its new version; the database checks the old one
    except StaleDataError:
        raise stale(label_of(row)) from None
    changes = changed(before, snapshot(row, tuple(before)) if after is None else after)
    full = {**(detail or {}), "version": row.version, "changes": changes}
    record(uow, action, entity, getattr(row, "id", None), patient_id=patient_id, detail=full)


@dataclass(frozen=True)
class Change:
    """A change someone else saved on a record, as a refused page shows it."""

    at: datetime
    username: str
    version: int
    changes: dict[str, dict[str, Any]]


def changes_since(
    uow: UnitOfWork, entities: tuple[str, ...], entity_id: int, version: int | None
) -> list[Change]:
    """The audited changes of one record made after `version`, oldest first (for a page that
    refused a stale save; no audit of its own: the refused page's reads are audited)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity.in_(entities), AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id.desc())
        .limit(50)
    )
    found: list[Change] = []
    for entry in uow.session.scalars(query):
        made = (entry.detail or {}).get("version")
        if isinstance(made, int) and (version is None or made > version):
            found.append(
                Change(entry.at, entry.username, made, (entry.detail or {}).get("changes", {}))
            )
    return found[::-1]


@dataclass(frozen=True)
class _Read:
    actor: Actor
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    detail: dict[str, Any] | None


def _entry(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    detail: dict[str, Any] | None,
) -> AuditEntry:
    return AuditEntry(
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


@event.listens_for(Session, "before_commit")
def _write_reads(session: Session) -> None:
    """One audit entry for everything a unit of work read: which records, of which patients."""
    reads: list[_Read] = session.info.pop(PENDING_READS, [])
    if not reads:
        return
    if len(reads) == 1:
        one = reads[0]
        session.add(
            _entry(one.actor, "read", one.entity, one.entity_id, one.patient_id, one.detail)
        )
        return
    patients = sorted({r.patient_id for r in reads if r.patient_id is not None})
    detail = {
        "reads": [
            {"entity": r.entity, "id": r.entity_id, "patient_id": r.patient_id, **(r.detail or {})}
            for r in reads
        ],
        "patient_ids": patients,
    }
    patient_id = patients[0] if len(patients) == 1 else None
    session.add(_entry(reads[0].actor, "read", "record", None, patient_id, detail))


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
