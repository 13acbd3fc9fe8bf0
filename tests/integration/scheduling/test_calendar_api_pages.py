"""The calendar API answers one page at a time, however busy the days are, and audits the
patients on that page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.patients import PATIENT

DAY = date.today() + timedelta(days=5)


def test_the_calendar_answers_a_page_with_the_total(
    client: TestClient, headers: Headers, db: Database
) -> None:
    desk = headers["front_desk"]
    booked = []
    for hour in range(8, 13):  # five patients, one hour apart on one day
        someone = {**PATIENT, "last_name": f"Lopez {hour}"}
        pid = client.post("/api/v1/patients", json=someone, headers=desk).json()["id"]
        at = datetime.combine(DAY, time(hour)).isoformat()
        answer = client.post(
            f"/api/v1/patients/{pid}/appointments",
            json={"kind": "evaluation", "starts_at": at},
            headers=desk,
        )
        assert answer.status_code == 201, answer.text
        booked.append((answer.json()["id"], pid))
    params = {"start": DAY.isoformat(), "days": 2, "limit": 2, "offset": 2}
    page = client.get("/api/v1/appointments", params=params, headers=desk)
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)
    assert [a["id"] for a in body["items"]] == [booked[2][0], booked[3][0]]  # in time order
    with db.sessions() as session:
        read = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "read", AuditEntry.entity == "appointment")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert read is not None and read.detail is not None
    assert read.detail["patient_ids"] == sorted([booked[2][1], booked[3][1]])


def test_a_page_larger_than_the_bound_is_refused(client: TestClient, headers: Headers) -> None:
    params = {"start": DAY.isoformat(), "limit": 201}
    refused = client.get("/api/v1/appointments", params=params, headers=headers["front_desk"])
    assert refused.status_code == 422
