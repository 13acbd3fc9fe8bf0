"""A duplex scan dated in the future is refused beside its date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Headers

TODAY = date.today().isoformat()


TOMORROW = (date.today() + timedelta(days=2)).isoformat()  # a day ahead in any time zone


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_future_duplex_is_refused_beside_its_date(
    client: TestClient, headers: Headers, pid: int
) -> None:
    url = f"/api/v1/patients/{pid}/duplex"
    future = client.post(
        url, json={"performed_on": TOMORROW, "deep_reflux": False}, headers=headers["nurse"]
    )
    assert future.status_code == 422
    assert "future" in errors_of(future)["performed_on"]
    today = client.post(url, json={"performed_on": TODAY}, headers=headers["nurse"])
    assert today.status_code == 201, today.text
