"""A row a request holds (`uow.get(..., for_update=True)`) is read afresh once held: the copy the
request loaded before may predate another request's commit, and a check made on that copy (is
the injection already voided? the session closed?) would let both requests pass it."""

from __future__ import annotations

import os

import pytest

from sclero.core.db import Actor, Database
from sclero.patients.models import Patient
from sclero.patients.schemas import PatientIn
from sclero.patients.service import create_patient
from tests.factories.patients import PATIENT

pytestmark = pytest.mark.skipif(
    not os.environ.get("SCLERO_TEST_DATABASE_URL"),
    reason="SQLite runs one writing transaction at a time: no second request commits meanwhile",
)
FRONT_DESK = Actor(user_id=None, username="frontdesk", role="front_desk", address="test")


def test_a_held_row_shows_what_another_request_committed_meanwhile(db: Database) -> None:
    with db.uow(FRONT_DESK) as uow:
        patient_id = create_patient(uow, PatientIn.model_validate(PATIENT)).id
    with db.uow(FRONT_DESK) as first:
        assert first.get(Patient, patient_id).last_name == "Lopez"  # loaded before the lock
        with db.uow(FRONT_DESK) as second:
            second.get(Patient, patient_id).last_name = "Lopez-Garcia"
            second.commit()
        held = first.get(Patient, patient_id, for_update=True)
        assert held.last_name == "Lopez-Garcia"
