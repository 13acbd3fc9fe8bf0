"""Fixtures of the reports tests: the known clinic, written into the test's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from sclero.core import auth
from tests.factories.reports import KnownClinic, build_known_clinic


@pytest.fixture
def known(session: Session, users: dict[str, auth.User]) -> KnownClinic:
    clinic = build_known_clinic(session.connection(), users["physician"].id, users["nurse"].id)
    session.commit()
    return clinic
