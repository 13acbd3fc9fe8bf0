"""The append-only audit log: who read or changed which patient's data, when and from where."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Integer,
    Row,
    String,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from sclero.core.db import PENDING_READS, Actor, Base, UnitOfWork
from sclero.core.group_commit import READ_GROUPS
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
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
    # The hash chain (see `entry_hash`): a changed, removed or inserted row breaks it.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


READ_ACTIONS = frozenset({"read", "search", "export"})
"""Actions that only look at data: one entry per unit of work lists them all."""


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("The audit log is append-only.")


GENESIS = "0" * 64
"""The previous hash of the first entry."""
CHAIN_LOCK = 727_001
"""PostgreSQL advisory lock that orders writers of the chain (SQLite has one writer anyway)."""
CHAINED = ("at", "user_id", "username", "role", "action", "entity", "entity_id", "patient_id",
           "address", "detail")  # fmt: skip


def entry_hash(prev_hash: str, values: Mapping[Any, Any]) -> str:
    """SHA-256 over the previous entry's hash and this entry's fields, canonically encoded."""
    at = values["at"]
    fields = [prev_hash, at.isoformat() if isinstance(at, datetime) else at]
    fields += [values[name] for name in CHAINED[1:]]
    encoded = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _last_hash(connection: Connection) -> str:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    table = AuditEntry.__table__
    last = connection.execute(
        select(table.c.row_hash).order_by(table.c.id.desc()).limit(1)
    ).scalar()
    return str(last) if last else chain_anchor(connection)


def chain_rows(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Give plain audit rows (a bulk insert, in id order) their place in the chain."""
    prev = _last_hash(connection)
    for row in rows:
        row["prev_hash"], row["row_hash"] = prev, entry_hash(prev, row)
        prev = row["row_hash"]


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _context: Any, _instances: Any) -> None:
    """New entries get their hashes as they are flushed, in the order they are inserted."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not new:
        return
    prev = _last_hash(session.connection())
    for entry in sorted(new, key=lambda obj: inspect(obj).insert_order or 0):
        entry.at = entry.at or utcnow()
        entry.prev_hash = prev
        entry.row_hash = prev = entry_hash(prev, {name: getattr(entry, name) for name in CHAINED})


@dataclass(frozen=True)
class BrokenLink:
    """The first entry at which the chain does not hold, and why."""

    entry_id: int
    reason: str


class AuditArchive(Base):
    """A prefix of the log moved to a file by `sclero audit archive`: the chain of what remains
    starts from the last archived entry's hash, and the file's checksum is kept here."""

    __tablename__ = "audit_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    archived_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    archived_by: Mapped[str] = mapped_column(String(64))
    before: Mapped[datetime] = mapped_column(DateTime)
    until_id: Mapped[int] = mapped_column(Integer)
    until_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))


def chain_anchor(connection: Connection) -> str:
    """Where the chain of the entries still in the table starts: the genesis, or the hash of
    the last entry that was archived."""
    archives = AuditArchive.__table__
    last = connection.execute(
        select(archives.c.until_hash).order_by(archives.c.until_id.desc()).limit(1)
    ).scalar()
    return str(last or GENESIS)


def verify_chain(connection: Connection) -> tuple[int, BrokenLink | None]:
    """Walk the whole log in id order (streamed): (entries checked, the first broken link)."""
    anchor = chain_anchor(connection)
    table = AuditEntry.__table__
    columns = [table.c.id, table.c.prev_hash, table.c.row_hash, *(table.c[n] for n in CHAINED)]
    # streamed by a statement option: the caller's connection keeps its own options
    result = connection.execute(
        select(*columns).order_by(table.c.id).execution_options(yield_per=2_000)
    )
    try:
        return walk_chain(result, anchor)
    finally:
        result.close()  # a stream stopped at a broken link frees its server-side cursor


def walk_chain(rows: Iterable[Row[Any]], anchor: str = GENESIS) -> tuple[int, BrokenLink | None]:
    prev, checked = anchor, 0
    for row in rows:
        values = row._mapping
        if values["prev_hash"] != prev:
            reason = "an entry before it was removed, or it was inserted out of turn"
            return checked, BrokenLink(values["id"], reason)
        if entry_hash(prev, values) != values["row_hash"]:
            return checked, BrokenLink(values["id"], "its content was changed after it was written")
        prev, checked = values["row_hash"], checked + 1
    return checked, None


ACTIONS = (
    "read", "search", "create", "update", "delete", "void", "correct", "override", "approve",
    "review", "close", "export", "export_requested", "exported", "export_cancelled", "import",
    "login", "login_failed", "login_throttled", "denied", "logout", "logout_everywhere",
    "password_change", "password_reset", "backup", "restore", "archive", "rebuild", "sweep",
    "verify",
)  # fmt: skip
"""Every action the application writes, in the order the audit page offers them as a filter
(a test checks the code writes no other)."""


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
    """One audit entry for everything a unit of work read: which records, of which patients
    (and one per unit of work whose reads share this commit, core/group_commit.py)."""
    groups: list[list[_Read]] = session.info.pop(READ_GROUPS, [])
    reads: list[_Read] = session.info.pop(PENDING_READS, [])
    session.add_all(read_entry(group) for group in (*groups, reads) if group)


def read_entry(reads: list[_Read]) -> AuditEntry:
    """The one entry of a unit of work's reads: the record itself when it read one, else the
    list of what it read and whose."""
    if len(reads) == 1:
        one = reads[0]
        return _entry(one.actor, "read", one.entity, one.entity_id, one.patient_id, one.detail)
    patients = sorted({r.patient_id for r in reads if r.patient_id is not None})
    detail = {
        "reads": [
            {"entity": r.entity, "id": r.entity_id, "patient_id": r.patient_id, **(r.detail or {})}
            for r in reads
        ],
        "patient_ids": patients,
    }
    patient_id = patients[0] if len(patients) == 1 else None
    return _entry(reads[0].actor, "read", "record", None, patient_id, detail)


@use_case("admin")
def list_entries(
    uow: UnitOfWork,
    *,
    patient_id: int | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit entries, newest first, filtered (admins only). The reading is itself audited, with
    its filters and the entries it showed: who looked at whose access history is on record."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = list(uow.session.scalars(query))
    filters = {"patient_id": patient_id, "username": username and username[:64]}
    filters["action"] = action and action[:20]
    shown = [rows[-1].id, rows[0].id] if rows else []
    detail = {
        "filters": {key: value for key, value in filters.items() if value},
        "limit": limit,
        "offset": offset,
        "entries": len(rows),
        "ids": shown,  # the range of entry ids shown, oldest and newest
    }
    record(uow, "read", "audit_log", detail=detail)
    return rows
