"""appointments by start and status, adverse events by session (covering what the outcomes
report counts): the report's appointments per month and its adverse-event figures read an index
alone instead of a table row per appointment, and a scan of every event per report

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 18:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STARTS = "ix_appointments_starts_at"
STARTS_AND_STATUS = "ix_appointments_starts_at_status"
EVENTS_BY_SESSION = "ix_adverse_events_session_id"
EVENT_COLUMNS = ["session_id", "event_type", "severity", "outcome", "onset_date", "patient_id"]


def upgrade() -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(STARTS_AND_STATUS, ["starts_at", "status"], unique=False)
        batch_op.drop_index(STARTS)  # the new one leads with the same column
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.create_index(EVENTS_BY_SESSION, EVENT_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_index(EVENTS_BY_SESSION)
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(STARTS, ["starts_at"], unique=False)
        batch_op.drop_index(STARTS_AND_STATUS)
