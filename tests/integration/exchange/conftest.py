"""Fixtures of the FHIR tests: a generated demo clinic inside the test's transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sclero.core.db import Database
from sclero.demo.generator import generate_clinic
from sclero.patients.models import Patient

DEMO_PATIENTS = 24
TODAY = date(2026, 11, 23)


@pytest.fixture
def demo_clinic(db: Database) -> list[int]:
    """A small demo clinic (every step of the pathway); its patients' ids."""
    with db.sessions() as session:
        generate_clinic(session, DEMO_PATIENTS, seed=11, today=TODAY)
        return list(session.scalars(select(Patient.id).order_by(Patient.id)))
