"""The scheduling service owns an appointment's transitions: no booking in the past, no double
booking of one patient, nothing marked as happened before its day, nothing after a final status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from sclero.core.time import to_clinic_wall_time
from tests.conftest import Headers
from tests.factories.api import match
from tests.factories.clock import Clock

NOW = datetime.now().replace(second=0, microsecond=0)


def book(client: TestClient, headers: Headers, pid: int, at: datetime) -> Any:
    body = {"kind": "evaluation", "starts_at": at.isoformat()}
    return client.post(
        f"/api/v1/patients/{pid}/appointments", json=body, headers=headers["front_desk"]
    )


def mark(client: TestClient, headers: Headers, appointment: dict[str, Any], status: str) -> Any:
    appointment_id = appointment["id"]
    sent = {**headers["front_desk"], **match(appointment["version"])}
    body = {"status": status, **({"reason": "patient called"} if status == "cancelled" else {})}
    return client.post(f"/api/v1/appointments/{appointment_id}/status", json=body, headers=sent)


def test_no_booking_in_the_past_and_none_over_another(
    client: TestClient, headers: Headers, pid: int
) -> None:
    past = book(client, headers, pid, NOW - timedelta(days=2))
    assert past.status_code == 422, past.text
    assert "is in the past" in past.json()["errors"][0]["message"]
    tomorrow = NOW + timedelta(days=1)
    assert book(client, headers, pid, tomorrow).status_code == 201
    twice = book(client, headers, pid, tomorrow + timedelta(minutes=15))  # inside the 30 min
    assert twice.status_code == 409, twice.text
    assert "already has an appointment then" in twice.json()["errors"][0]["message"]
    assert book(client, headers, pid, tomorrow + timedelta(minutes=30)).status_code == 201


def test_a_future_appointment_is_not_marked_as_happened(
    client: TestClient, headers: Headers, pid: int
) -> None:
    appointment = book(client, headers, pid, NOW + timedelta(days=3)).json()
    for status in ("arrived", "done", "no_show"):
        refused = mark(client, headers, appointment, status)
        assert refused.status_code == 409, (status, refused.text)
        assert "before its day" in refused.json()["errors"][0]["message"]
    cancelled = mark(client, headers, appointment, "cancelled")
    assert cancelled.status_code == 200, cancelled.text
    again = mark(client, headers, cancelled.json(), "booked")
    assert again.status_code in (409, 422)


def test_the_past_is_the_clinic_clocks_past(
    client: TestClient, headers: Headers, pid: int, clock: Clock
) -> None:
    soon = to_clinic_wall_time(clock.now) + timedelta(minutes=10)
    clock.advance(minutes=20)  # ten minutes from now has passed for the clinic (not idle yet)
    refused = book(client, headers, pid, soon)
    assert refused.status_code == 422, refused.text
    assert "is in the past" in refused.json()["errors"][0]["message"]
