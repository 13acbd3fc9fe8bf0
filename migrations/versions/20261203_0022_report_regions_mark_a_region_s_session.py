"""report regions: one fact of each session, side and region carries `opens_region`, so a
treated region's sessions are a sum and one grouping of a range's facts serves every region
figure of the outcomes report; the covering index holds the mark

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_report_regions_started_at"
COVERING = [
    "started_at",
    "patient_id",
    "side",
    "region",
    "session_id",
    "vein_type",
    "technique",
    "agent",
]
# Which fact of a session, side and region is marked does not matter, only that one is.
MARK_ONE = {
    "sqlite": (
        "UPDATE report_regions SET opens_region = 1 WHERE rowid IN "
        "(SELECT min(rowid) FROM report_regions GROUP BY session_id, side, region)"
    ),
    "postgresql": (
        "UPDATE report_regions SET opens_region = 1 WHERE ctid IN "
        "(SELECT DISTINCT ON (session_id, side, region) ctid FROM report_regions "
        "ORDER BY session_id, side, region)"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.add_column(
            sa.Column("opens_region", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(MARK_ONE[op.get_bind().dialect.name])
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.create_index(INDEX, [*COVERING, "opens_region"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("opens_region")
        batch_op.create_index(INDEX, COVERING, unique=False)
