"""patient search terms: folded name words and endings, record numbers and phone endings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sclero.patients.models import search_term_rows

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
BATCH = 2_000


def upgrade() -> None:
    terms = op.create_table(
        "patient_search_terms",
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("whole_word", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_search_terms_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "term", "patient_id", name=op.f("pk_patient_search_terms")),
    )
    op.create_index(
        op.f("ix_patient_search_terms_patient_id"), "patient_search_terms", ["patient_id"]
    )
    _index_existing_patients(terms)


def _index_existing_patients(terms: sa.Table) -> None:
    connection = op.get_bind()
    patients = sa.table(
        "patients",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("mrn", sa.String),
        sa.column("phone", sa.String),
    )
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(patients).where(patients.c.id > last_id).order_by(patients.c.id).limit(BATCH)
        ).all()
        if not batch:
            return
        rows = [term for p in batch for term in search_term_rows(p.id, dict(p._mapping))]
        if rows:
            connection.execute(terms.insert(), rows)
        last_id = batch[-1].id


def downgrade() -> None:
    op.drop_index(op.f("ix_patient_search_terms_patient_id"), table_name="patient_search_terms")
    op.drop_table("patient_search_terms")
