"""a session's appointment is one of its own patient's; drop the unused appointments.extra

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_appointments_id_patient", ["id", "patient_id"])
        batch_op.drop_column("extra")
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_treatment_sessions_appointment_id_appointments", "foreignkey")
        batch_op.create_foreign_key(
            "fk_treatment_sessions_appointment_patient",
            "appointments",
            ["appointment_id", "patient_id"],
            ["id", "patient_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_treatment_sessions_appointment_patient", "foreignkey")
        batch_op.create_foreign_key(
            "fk_treatment_sessions_appointment_id_appointments",
            "appointments",
            ["appointment_id"],
            ["id"],
        )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=True))
        batch_op.drop_constraint("uq_appointments_id_patient", "unique")
