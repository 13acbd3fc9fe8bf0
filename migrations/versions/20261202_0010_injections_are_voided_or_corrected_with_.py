"""injections are voided or corrected with a reason: the original stays, struck through

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:19:22.577920
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("injections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("voided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_injections_voided_by_id_users"), "users", ["voided_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_injections_replaces_id_injections"),
            "injections",
            ["replaces_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("injections", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_injections_replaces_id_injections"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_injections_voided_by_id_users"), type_="foreignkey")
        batch_op.drop_column("replaces_id")
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_by_id")
        batch_op.drop_column("voided_at")
