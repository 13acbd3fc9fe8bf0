"""The demo clinic's staff: four users, one per role, with a documented demo-only password."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sclero.core.accounts import DEMO_PASSWORD as DEMO_PASSWORD  # refused outside the demo
from sclero.core.auth import Role, User, hash_password
from sclero.core.time import utcnow

DEMO_USERS = (
    ("physician", "Dr. Demo Physician", Role.PHYSICIAN),
    ("nurse", "Demo Nurse", Role.NURSE),
    ("frontdesk", "Demo Front Desk", Role.FRONT_DESK),
    ("admin", "Demo Administrator", Role.ADMIN),
)


def ensure_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the four demo staff users if absent; (username, password, role) of each.

    The password `sclero-demo-2026` is for demonstrations only; an existing user of the same
    name keeps its own password. The caller commits.
    """
    present = set(session.scalars(select(User.username)))
    missing = [user for user in DEMO_USERS if user[0] not in present]
    if missing:
        password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once
        now = utcnow()
        for username, full_name, role in missing:
            session.add(
                User(
                    username=username,
                    full_name=full_name,
                    role=role.value,
                    password_hash=password_hash,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.flush()
    return [(username, DEMO_PASSWORD, role.value) for username, _, role in DEMO_USERS]
