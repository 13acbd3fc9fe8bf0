"""outcomes report summary tables: the facts the outcomes dashboard aggregates (one narrow row
per closed session, treated region of a session, scored region, override, patient and
screening rule), kept in step with every change by sclero/reports/summary.py

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:43:03

Created empty: the report reads the live tables until the summary is built, which `sclero db
upgrade` (and `sclero serve`) do right after migrating; `sclero report rebuild` does it again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_clearances",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=30), nullable=False),
        sa.Column("best", sa.Integer(), nullable=False),
        sa.Column("first_success", sa.Date(), nullable=True),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", "side", "region", name=op.f("pk_report_clearances")),
    )
    op.create_table(
        "report_overrides",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("override_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("injections", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("report_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_overrides_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_overrides_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "report_patients",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_follow_up", sa.Date(), nullable=True),
        sa.Column("last_booked", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_report_patients")),
    )
    op.create_table(
        "report_regions",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("performed_by_id", sa.Integer(), nullable=True),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=30), nullable=False),
        sa.Column("vein_type", sa.String(length=30), nullable=True),
        sa.Column("technique", sa.String(length=10), nullable=False),
        sa.Column("agent", sa.String(length=40), nullable=False),
        sa.Column("concentration_percent", sa.Float(), nullable=False),
    )
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_regions_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index("ix_report_regions_session_id", ["session_id"], unique=False)
        batch_op.create_index(
            "ix_report_regions_started_at",
            ["started_at", "patient_id", "side", "region"],
            unique=False,
        )

    op.create_table(
        "report_rules",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("performed_at", sa.DateTime(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
    )
    with op.batch_alter_table("report_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_rules_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_rules_performed_at"), ["performed_at"], unique=False
        )

    op.create_table(
        "report_sessions",
        sa.Column("session_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("performed_by_id", sa.Integer(), nullable=True),
        sa.Column("interval_override_reason", sa.Text(), nullable=True),
        sa.Column("foam", sa.Integer(), nullable=False),
        sa.Column("limit_overrides", sa.Integer(), nullable=False),
        sa.Column("agent_share", sa.Float(), nullable=True),
        sa.Column("foam_share", sa.Float(), nullable=True),
        sa.Column("liquid_share", sa.Float(), nullable=True),
        sa.Column("first_follow_up", sa.Date(), nullable=True),
        sa.Column("satisfaction_1", sa.Integer(), nullable=False),
        sa.Column("satisfaction_2", sa.Integer(), nullable=False),
        sa.Column("satisfaction_3", sa.Integer(), nullable=False),
        sa.Column("satisfaction_4", sa.Integer(), nullable=False),
        sa.Column("satisfaction_5", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_report_sessions")),
    )
    with op.batch_alter_table("report_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_sessions_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_sessions_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "report_summary_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(), nullable=False),
        sa.Column("success_level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_summary_state")),
    )


def downgrade() -> None:
    op.drop_table("report_summary_state")
    with op.batch_alter_table("report_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_sessions_started_at"))
        batch_op.drop_index(batch_op.f("ix_report_sessions_patient_id"))

    op.drop_table("report_sessions")
    with op.batch_alter_table("report_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_rules_performed_at"))
        batch_op.drop_index(batch_op.f("ix_report_rules_patient_id"))

    op.drop_table("report_rules")
    with op.batch_alter_table("report_regions", schema=None) as batch_op:
        batch_op.drop_index("ix_report_regions_started_at")
        batch_op.drop_index("ix_report_regions_session_id")
        batch_op.drop_index(batch_op.f("ix_report_regions_patient_id"))

    op.drop_table("report_regions")
    op.drop_table("report_patients")
    with op.batch_alter_table("report_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_overrides_session_id"))
        batch_op.drop_index(batch_op.f("ix_report_overrides_patient_id"))

    op.drop_table("report_overrides")
    op.drop_table("report_clearances")
