"""PostgreSQL: a least-privileged role for the running app (sclero_app), which may read and write
the clinic's tables but may not update, delete, truncate or alter the audit log

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 02:20:00

Migrations run as the schema's owner; the app should connect as `sclero_app` (docs/deploy.md).
The role is created when the migrating user may create roles; otherwise a DBA creates it once
(`CREATE ROLE sclero_app LOGIN`) and this migration's grants are rerun by `sclero db upgrade`
after `alembic downgrade -1`.
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
ROLE = "sclero_app"
log = logging.getLogger("alembic.runtime.migration")
DEFAULTS = "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
GRANTS = (
    "GRANT USAGE ON SCHEMA public TO sclero_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sclero_app",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sclero_app",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM sclero_app",
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM sclero_app",
    # Tables and sequences that later migrations create get the same grants.
    f"{DEFAULTS} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sclero_app",
    f"{DEFAULTS} GRANT USAGE, SELECT ON SEQUENCES TO sclero_app",
)
REVOKES = (
    f"{DEFAULTS} REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM sclero_app",
    f"{DEFAULTS} REVOKE USAGE, SELECT ON SEQUENCES FROM sclero_app",  # noqa: S608 (constants)
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sclero_app",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM sclero_app",
    "REVOKE USAGE ON SCHEMA public FROM sclero_app",
)


def create_role(name: str) -> str:
    """CREATE ROLE that is content when the role appeared meanwhile: roles belong to the whole
    server, and another database migrating at the same moment may create it between the check
    and the creation (seen when two test databases migrated at once)."""
    return (
        f"DO $$ BEGIN CREATE ROLE {name} LOGIN; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    )


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return  # SQLite has no roles: the file's permissions (0600) are its guard
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE})
    if exists.first() is None:
        may_create = connection.execute(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        if not may_create:
            log.warning("Role %s not created (no CREATEROLE); see docs/deploy.md", ROLE)
            return
        op.execute(create_role(ROLE))
    for statement in GRANTS:
        op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).first():
        for statement in REVOKES:
            op.execute(statement)
