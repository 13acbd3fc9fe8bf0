"""report regions: the started_at index covers the unfiltered outcome figures (patient, side,
region, session, vein type, technique, agent), so a year's treated regions are one index range
scan without reading the table

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 05:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_report_regions_started_at"
NARROW = ["started_at", "patient_id", "side", "region"]
COVERING = [*NARROW, "session_id", "vein_type", "technique", "agent"]


def upgrade() -> None:
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, COVERING, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, NARROW, unique=False)
