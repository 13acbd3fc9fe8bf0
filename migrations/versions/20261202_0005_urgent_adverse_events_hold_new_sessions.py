"""urgent adverse events hold new sessions until a physician has reviewed them

Open urgent-care events already recorded get their hold, so none slips through the upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:05:20.142496
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_holds_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"], ["users.id"], name=op.f("fk_patient_holds_placed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_patient_holds_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_holds")),
    )
    with op.batch_alter_table("patient_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_holds_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_patient_holds_reviewed_at"), ["reviewed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_patient_holds_source_id"), ["source_id"], unique=False)
    op.execute(
        "INSERT INTO patient_holds (patient_id, reason, summary, source, source_id, placed_at,"
        " placed_by_id) SELECT patient_id, 'urgent_adverse_event', 'Urgent adverse event', "
        "'adverse_event', id, reported_at, reported_by_id FROM adverse_events "
        "WHERE status = 'open' AND triage_level = 'urgent_care'"
    )


def downgrade() -> None:
    with op.batch_alter_table("patient_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_holds_source_id"))
        batch_op.drop_index(batch_op.f("ix_patient_holds_reviewed_at"))
        batch_op.drop_index(batch_op.f("ix_patient_holds_patient_id"))

    op.drop_table("patient_holds")
