"""audit archives: prefixes of the audit log moved to files, with their checksums and the last
archived hash that the remaining chain starts from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.Column("archived_by", sa.String(length=64), nullable=False),
        sa.Column("before", sa.DateTime(), nullable=False),
        sa.Column("until_id", sa.Integer(), nullable=False),
        sa.Column("until_hash", sa.String(length=64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_archives")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        role = bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = 'sclero_app'"))
        if role.first() is not None:  # the app may read the anchors, never move them
            op.execute("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_archives FROM sclero_app")


def downgrade() -> None:
    op.drop_table("audit_archives")
