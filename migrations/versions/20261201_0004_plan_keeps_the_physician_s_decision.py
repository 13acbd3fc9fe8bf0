"""plan keeps the physician's written decision on referrals

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("treatment_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("physician_decision_codes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("physician_decision_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("physician_decision_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_treatment_plans_physician_decision_by_id_users",
            "users",
            ["physician_decision_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("treatment_plans", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_treatment_plans_physician_decision_by_id_users", type_="foreignkey"
        )
        batch_op.drop_column("physician_decision_by_id")
        batch_op.drop_column("physician_decision_reason")
        batch_op.drop_column("physician_decision_codes")
