"""Numbers and dates too large for the database are refused with a 422, never a crash."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Headers


def test_numbers_and_dates_too_large_are_refused_not_crashed(
    client: TestClient, headers: Headers
) -> None:
    huge = client.get("/api/v1/patients/99999999999999999999999", headers=headers["nurse"])
    assert huge.status_code == 422
    calendar = client.get(
        "/api/v1/appointments",
        params={"start": "9999-12-31", "days": 2},
        headers=headers["front_desk"],
    )
    assert calendar.status_code == 422
