"""A session opens only for a patient still fit to treat: the checklist confirmed, the current
screening not contraindicated, one session at a time, the patient's own appointment."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from sclero.rules import default_protocol
from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.assessment import vein
from tests.factories.charting import CHECKLIST
from tests.factories.evaluation import INTAKE, post_evaluation
from tests.factories.patients import PATIENT
from tests.factories.planning import consented_patient


def test_an_unconfirmed_checklist_item_stops_the_session(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc), veins=[vein(diameter_mm=0.5)])
    response = client.post(
        f"/api/v1/patients/{pid}/sessions",
        headers=doc,
        json={"checklist": {**CHECKLIST, "not_pregnant": False}},
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "checklist.not_pregnant"


def test_the_refusal_names_every_unticked_item(client: TestClient, headers: Headers) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc))
    unticked = dict.fromkeys(CHECKLIST, False)
    unticked["identity_confirmed"] = True  # 5 of 6 unticked
    response = client.post(
        f"/api/v1/patients/{pid}/sessions", headers=doc, json={"checklist": unticked}
    )
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["detail"]["unconfirmed"] == [n for n in CHECKLIST if n != "identity_confirmed"]
    for code, text in default_protocol().checklist_labels.items():
        assert (f"“{text}”" in error["message"]) == (code != "identity_confirmed"), code


def test_a_second_session_cannot_open_while_one_is_open(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc), veins=[vein(diameter_mm=0.5)])
    start = {"checklist": CHECKLIST}
    assert (
        client.post(f"/api/v1/patients/{pid}/sessions", json=start, headers=doc).status_code == 201
    )
    again = client.post(f"/api/v1/patients/{pid}/sessions", json=start, headers=doc)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "session"


def test_no_session_after_a_new_screening_finds_a_contraindication(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc))
    post_evaluation(client, pid, {**INTAKE, "conditions": ["acute_pe"]}, doc)
    refused = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=doc
    )
    assert refused.status_code == 409
    assert "re-evaluated" in refused.json()["errors"][0]["message"]


def test_a_session_cannot_name_another_patients_appointment(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(poster(client, doc))
    someone_else = {**PATIENT, "first_name": "Marta"}
    other = client.post("/api/v1/patients", json=someone_else, headers=doc).json()["id"]
    when = (datetime.now() + timedelta(days=1)).isoformat()
    appointment = client.post(
        f"/api/v1/patients/{other}/appointments",
        headers=doc,
        json={"kind": "evaluation", "starts_at": when},
    ).json()
    refused = client.post(
        f"/api/v1/patients/{pid}/sessions",
        headers=doc,
        json={"checklist": CHECKLIST, "appointment_id": appointment["id"]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "appointment_id"
