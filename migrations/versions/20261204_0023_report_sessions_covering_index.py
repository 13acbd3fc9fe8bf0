"""report sessions: the started_at index covers every column of a session fact, so the
report's range of sessions is read from the index alone instead of one table row lookup per
session

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_report_sessions_started_at"
SATISFACTION = [f"satisfaction_{n}" for n in range(1, 6)]
COVERING = [
    "started_at",
    "session_id",
    "patient_id",
    "performed_by_id",
    "interval_override_reason",
    "foam",
    "limit_overrides",
    "agent_share",
    "foam_share",
    "liquid_share",
    "first_follow_up",
    *SATISFACTION,
]


def upgrade() -> None:
    with op.batch_alter_table("report_sessions", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, COVERING, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_sessions", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, ["started_at"], unique=False)
