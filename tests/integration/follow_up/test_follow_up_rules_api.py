"""A follow-up comes after the session it follows and scores only the regions that were treated,
with refusals in the clinic's words and date format."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from sclero.core.time import clinic_date
from tests.conftest import Headers

TODAY = date.today()
TREATED = {"side": "left", "region": "leg_medial", "level": 2}


def record(client: TestClient, headers: Headers, pid: int, **body: Any) -> Any:
    body = {"performed_on": TODAY.isoformat(), "clearances": [TREATED], **body}
    return client.post(f"/api/v1/patients/{pid}/follow-ups", json=body, headers=headers["nurse"])


def session_id(client: TestClient, headers: Headers, pid: int) -> int:
    sessions = client.get(f"/api/v1/patients/{pid}/sessions", headers=headers["nurse"]).json()
    return int(sessions[0]["id"])


def test_a_follow_up_cannot_be_dated_before_its_session(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    sid = session_id(client, headers, patient_id)
    before = TODAY - timedelta(days=1)
    refused = record(client, headers, patient_id, session_id=sid, performed_on=before.isoformat())
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == "performed_on"
    assert clinic_date(before) in error["message"] and clinic_date(TODAY) in error["message"]
    assert record(client, headers, patient_id, session_id=sid).status_code == 201


def test_no_clearance_for_a_region_the_session_never_treated(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    sid = session_id(client, headers, patient_id)
    elsewhere = [TREATED, {"side": "right", "region": "thigh_anterior", "level": 3}]
    for extra in ({"session_id": sid}, {}):
        refused = record(client, headers, patient_id, clearances=elsewhere, **extra)
        assert refused.status_code == 422, refused.text
        error = refused.json()["errors"][0]
        assert error["field"] == "clearances" and "Right thigh anterior" in error["message"]
        assert "thigh_anterior" not in error["message"]
