"""treatment sessions: an index on who performed them, so the outcomes dashboard's clinician
choices (users with at least one session) are index probes, not a scan of every session for
each user who never performed one (3 s of a 1 000 000-session clinic's dashboard on SQLite)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 16:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_treatment_sessions_performed_by_id"


def upgrade() -> None:
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.create_index(NAME, ["performed_by_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_index(NAME)
