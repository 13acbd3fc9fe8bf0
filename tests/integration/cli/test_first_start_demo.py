"""The demo clinic is loaded on first start only into an empty database."""

from __future__ import annotations

from sqlalchemy import func, select

from sclero.cli import _first_start_demo
from sclero.core import auth
from sclero.core.db import Database
from sclero.patients.models import Patient


def test_the_demo_never_loads_into_a_database_that_has_users(
    db: Database, users: dict[str, auth.User]
) -> None:
    _first_start_demo(db, 5)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 0
        assert session.scalar(select(auth.User).where(auth.User.username == "physician")) is None
