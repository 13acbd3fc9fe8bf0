"""Every outcome a physician can close an event with is stored whole, on both databases (the
longest, "resolved_with_sequelae", is 22 characters)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from sclero.adverse_events.choices import Outcome
from tests.conftest import Headers
from tests.factories.api import match


@pytest.mark.parametrize("outcome", Outcome.codes())
def test_a_closed_event_keeps_its_outcome(
    client: TestClient, headers: Headers, pid: int, outcome: str
) -> None:
    body = {"event_type": "matting", "onset_date": date.today().isoformat(), "severity": "mild"}
    event = client.post(
        f"/api/v1/patients/{pid}/adverse-events", json=body, headers=headers["nurse"]
    )
    assert event.status_code == 201, event.text
    closed = client.post(
        f"/api/v1/adverse-events/{event.json()['id']}/close",
        json={"outcome": outcome, "management": "Reviewed"},
        headers={**headers["physician"], **match(event.json()["version"])},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["outcome"] == outcome
