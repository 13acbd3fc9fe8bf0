"""An adverse event is triaged by the stricter of its symptoms and its event type."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Headers

TODAY = date.today().isoformat()


def report(client: TestClient, headers: Headers, pid: int, **fields: Any) -> dict[str, Any]:
    body = {"event_type": "other", "onset_date": TODAY, "severity": "mild", **fields}
    response = client.post(
        f"/api/v1/patients/{pid}/adverse-events", json=body, headers=headers["nurse"]
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.mark.parametrize("event_type", ["anaphylaxis", "proximal_dvt_pe", "stroke_tia"])
def test_an_urgent_event_type_is_urgent_care_even_with_no_symptom_ticked(
    client: TestClient, headers: Headers, pid: int, event_type: str
) -> None:
    event = report(client, headers, pid, event_type=event_type, symptoms=[])
    assert event["triage_level"] == "urgent_care"
    by_type = event["triage"]["event_type"]
    assert (by_type["code"], by_type["level"]) == (event_type, "urgent_care")
    assert by_type["sources"] and "DGP2020" in by_type["sources"]
    assert event["triage"]["symptom_level"] == "routine"
    assert by_type in event["triage"]["findings"]  # shown with its sources like a symptom


def test_the_stricter_of_symptoms_and_event_type_wins(
    client: TestClient, headers: Headers, pid: int
) -> None:
    by_symptom = report(client, headers, pid, event_type="matting", symptoms=["chest_pain"])
    assert by_symptom["triage_level"] == "urgent_care"
    codes = [f["code"] for f in by_symptom["triage"]["findings"]]
    assert codes == ["chest_pain", "matting"]  # most urgent first, the engine's finding kept
    by_type = report(client, headers, pid, event_type="skin_necrosis", symptoms=["itching"])
    assert by_type["triage_level"] == "contact_clinic"


def test_an_other_event_is_triaged_by_its_symptoms_alone(
    client: TestClient, headers: Headers, pid: int
) -> None:
    event = report(client, headers, pid, event_type="other", symptoms=["itching"])
    assert event["triage_level"] == "routine"
    assert event["triage"]["event_type"] is None
