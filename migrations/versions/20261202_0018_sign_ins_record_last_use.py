"""sign-ins record their last use (at most once a minute) and why they ended by themselves, for
the idle timeout every worker enforces

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        # NULL for a sign-in made before this migration: its creation counts as its last use.
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("ended_reason", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_column("ended_reason")
        batch_op.drop_column("last_used_at")
