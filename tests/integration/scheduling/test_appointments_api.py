"""Appointments keep the clinic's wall time, and the front desk reads that a physician overrode
the interval, not why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.charting import (
    inject,
    start,
)
from tests.factories.patients import PATIENT
from tests.factories.planning import consented_patient


def test_an_appointment_time_with_an_offset_is_kept_as_clinic_wall_time(
    client: TestClient, headers: Headers
) -> None:
    desk = headers["front_desk"]
    pid = client.post("/api/v1/patients", json=PATIENT, headers=desk).json()["id"]
    moment = datetime.combine(date.today() + timedelta(days=3), datetime.min.time(), UTC)
    booked = client.post(
        f"/api/v1/patients/{pid}/appointments",
        headers=desk,
        json={"kind": "evaluation", "starts_at": moment.isoformat()},
    )
    assert booked.status_code == 201
    answered = datetime.fromisoformat(booked.json()["starts_at"])
    assert answered == moment  # the same moment, written with the clinic's offset
    assert answered.replace(tzinfo=None) == moment.astimezone().replace(tzinfo=None)


def test_the_front_desk_reads_that_a_physician_overrode_not_why(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc))
    sid = start(client, pid, doc)
    inject(client, sid, doc)
    soon = (datetime.now() + timedelta(days=3)).replace(microsecond=0).isoformat()
    booking = {"kind": "session", "starts_at": soon, "interval_override_reason": "rash resolved"}
    assert (
        client.post(f"/api/v1/patients/{pid}/appointments", headers=doc, json=booking).status_code
        == 201
    )
    seen = {
        role: client.get(f"/api/v1/patients/{pid}/appointments", headers=headers[role]).json()[0]
        for role in ("nurse", "front_desk")
    }
    assert seen["nurse"]["interval_override_reason"] == "rash resolved"
    assert seen["front_desk"]["interval_override_reason"] == "(recorded by a physician)"
