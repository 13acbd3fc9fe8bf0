"""bulk data export jobs: $export requests that survive restarts, seen by every worker

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:18:22.267900
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fhir_export_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("request_url", sa.Text(), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.String(length=120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("transaction_time", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_fhir_export_jobs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_export_jobs")),
    )
    with op.batch_alter_table("fhir_export_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fhir_export_jobs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_fhir_export_jobs_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fhir_export_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_export_jobs_user_id"))
        batch_op.drop_index(batch_op.f("ix_fhir_export_jobs_status"))

    op.drop_table("fhir_export_jobs")
