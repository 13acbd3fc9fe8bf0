"""Retention of the audit log: `sclero audit archive --before DATE` moves every entry older than
DATE (a prefix of the chain) into a compressed NDJSON file, records the file's checksum and the
last archived hash in `audit_archives`, and only then removes those entries — so the chain of what
remains still verifies, and the file can be checked against the database later. It runs as the
schema's owner (the app's role may not delete audit entries)."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text

from sclero.core.audit import AuditArchive, AuditEntry, chain_anchor, walk_chain


class ArchiveRefused(RuntimeError):
    """Nothing was archived; the message says why."""


def _guard(connection: Connection, *, on: bool) -> None:
    """The append-only guard is lifted inside this transaction only (DDL is transactional)."""
    if connection.dialect.name == "postgresql":
        verb = "ENABLE" if on else "DISABLE"
        connection.execute(text(f"ALTER TABLE audit_log {verb} TRIGGER audit_log_append_only"))
        return
    if on:
        connection.execute(
            text(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
        )
    else:
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def _until_id(connection: Connection, before: datetime) -> int | None:
    """The last id of the prefix of entries all older than `before`."""
    log = AuditEntry.__table__
    first_kept = connection.execute(select(func.min(log.c.id)).where(log.c.at >= before)).scalar()
    query = select(func.max(log.c.id))
    if first_kept is not None:
        query = query.where(log.c.id < first_kept)
    return connection.execute(query).scalar()


def _write_file(rows: list[dict[str, Any]], output: Path) -> str:
    partial = output.with_name(output.name + ".partial")
    with gzip.open(partial, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, default=str, sort_keys=True) + "\n")
    partial.chmod(0o600)
    partial.replace(output)
    return hashlib.sha256(output.read_bytes()).hexdigest()


def archive_before(connection: Connection, before: datetime, output: Path, archived_by: str) -> int:
    """Archive the entries older than `before` into `output`; returns how many moved."""
    if output.exists():
        raise ArchiveRefused(f"{output} already exists; choose a new file name.")
    until = _until_id(connection, before)
    if until is None:
        return 0
    log = AuditEntry.__table__
    rows = connection.execute(select(log).where(log.c.id <= until).order_by(log.c.id)).all()
    _checked, broken = walk_chain(rows, chain_anchor(connection))
    if broken is not None:
        raise ArchiveRefused(f"The audit log is broken at entry {broken.entry_id}; not archived.")
    digest = _write_file([dict(row._mapping) for row in rows], output)
    connection.execute(
        insert(AuditArchive).values(
            archived_by=archived_by, before=before, until_id=until,
            until_hash=rows[-1].row_hash, entries=len(rows),
            file_name=output.name, file_sha256=digest,
        )
    )  # fmt: skip
    _guard(connection, on=False)
    connection.execute(delete(AuditEntry).where(AuditEntry.id <= until))
    _guard(connection, on=True)
    return len(rows)
