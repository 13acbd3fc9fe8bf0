"""audit log hash chain: every entry carries its predecessor's hash and its own

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 02:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sclero.core.audit import CHAINED, GENESIS, entry_hash

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
BATCH = 5_000


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch rebuild: a rebuild on SQLite would drop the append-only
    # triggers with the old table.
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("row_hash", sa.String(length=64), nullable=True))
    _guard(enabled=False)
    _chain_existing_entries()
    _guard(enabled=True)


def _guard(*, enabled: bool) -> None:
    """The append-only guard refuses updates; the one-time backfill needs it off."""
    if op.get_bind().dialect.name == "postgresql":
        verb = "ENABLE" if enabled else "DISABLE"
        op.execute(f"ALTER TABLE audit_log {verb} TRIGGER audit_log_append_only")
        return
    for action in ("update", "delete"):
        if enabled:
            op.execute(
                f"CREATE TRIGGER audit_log_no_{action} BEFORE {action.upper()} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{action}")


def _chain_existing_entries() -> None:
    connection = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        *(sa.column(name) for name in CHAINED[1:-1]),
        sa.column("detail", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    prev, last_id = GENESIS, 0
    while True:
        rows = connection.execute(
            sa.select(log).where(log.c.id > last_id).order_by(log.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            digest = entry_hash(prev, row._mapping)
            connection.execute(
                log.update().where(log.c.id == row.id).values(prev_hash=prev, row_hash=digest)
            )
            prev = digest
        last_id = rows[-1].id


def downgrade() -> None:
    op.drop_column("audit_log", "row_hash")
    op.drop_column("audit_log", "prev_hash")
