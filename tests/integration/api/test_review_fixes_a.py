"""Review fixes: event-type triage, management notes that add up, future duplex scans, patient
corrections that cannot blank the record, literal search, the audit filter, photo write order."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from sclero.core import auth
from sclero.core.db import Database
from sclero.follow_up import service as follow_up
from sclero.follow_up.photo_store import digest_of
from sclero.follow_up.schemas import PhotoMeta
from tests.case_fixtures import build_case
from tests.conftest import PASSWORD, Headers
from tests.integration.api.test_pathway_api import PATIENT, PNG

TODAY = date.today().isoformat()
TOMORROW = (date.today() + timedelta(days=2)).isoformat()  # a day ahead in any time zone


@pytest.fixture
def pid(client: TestClient, headers: Headers) -> int:
    response = client.post("/api/v1/patients", json=PATIENT, headers=headers["front_desk"])
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def report(client: TestClient, headers: Headers, pid: int, **fields: Any) -> dict[str, Any]:
    body = {"event_type": "other", "onset_date": TODAY, "severity": "mild", **fields}
    response = client.post(
        f"/api/v1/patients/{pid}/adverse-events", json=body, headers=headers["nurse"]
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# 1. Adverse events: the event type counts in the triage; management notes add up.


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


def test_management_notes_are_added_with_a_time_never_overwritten(
    client: TestClient, headers: Headers, pid: int
) -> None:
    event = report(client, headers, pid, event_type="superficial_thrombosis", management="Ice")
    url = f"/api/v1/adverse-events/{event['id']}"
    first = client.patch(url, json={"management": "Compression"}, headers=headers["nurse"])
    assert first.status_code == 200, first.text
    lines = first.json()["management"].splitlines()
    assert lines[0] == "Ice"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d — Compression", lines[1])
    # A form that sends the earlier text back with more typed after it adds only the new part.
    resent = client.patch(
        url,
        json={"management": first.json()["management"] + "\nDrained"},
        headers=headers["nurse"],
    )
    lines = resent.json()["management"].splitlines()
    assert len(lines) == 3 and lines[0] == "Ice" and lines[2].endswith("— Drained")
    closed = client.post(
        f"{url}/close",
        json={"outcome": "resolved", "management": "Settled"},
        headers=headers["physician"],
    )
    assert closed.json()["management"].startswith("Ice\n") and "— Settled" in closed.text


# 2. A duplex scan dated in the future is refused beside its date.


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


# 3. A patient correction may not blank a required field, and checks the birth date.


@pytest.mark.parametrize("field", ["first_name", "last_name", "birth_date", "sex"])
def test_a_required_patient_field_cannot_be_set_to_null(
    client: TestClient, headers: Headers, pid: int, field: str
) -> None:
    response = client.patch(
        f"/api/v1/patients/{pid}", json={field: None}, headers=headers["front_desk"]
    )
    assert response.status_code == 422, response.text
    assert "cannot be removed" in errors_of(response)[field]
    kept = client.get(f"/api/v1/patients/{pid}", headers=headers["front_desk"]).json()
    assert kept[field] == PATIENT[field]


@pytest.mark.parametrize(
    ("birth_date", "words"), [("2999-01-01", "future"), ("1850-01-01", "before 1900")]
)
def test_a_corrected_birth_date_is_checked_like_a_new_one(
    client: TestClient, headers: Headers, pid: int, birth_date: str, words: str
) -> None:
    response = client.patch(
        f"/api/v1/patients/{pid}", json={"birth_date": birth_date}, headers=headers["nurse"]
    )
    assert response.status_code == 422
    assert words in errors_of(response)["birth_date"]


def test_optional_fields_may_still_be_cleared(
    client: TestClient, headers: Headers, pid: int
) -> None:
    response = client.patch(
        f"/api/v1/patients/{pid}", json={"weight_kg": None}, headers=headers["nurse"]
    )
    assert response.status_code == 200 and response.json()["weight_kg"] is None


# 4. Search matches typed text literally.


@pytest.mark.parametrize("typed", ["%", "_", "\\"])
def test_a_wildcard_character_in_a_search_does_not_match_everyone(
    client: TestClient, headers: Headers, pid: int, typed: str
) -> None:
    page = client.get("/api/v1/patients", params={"q": typed}, headers=headers["front_desk"]).json()
    assert page["total"] == 0


def test_a_name_with_an_underscore_is_found_by_it(client: TestClient, headers: Headers) -> None:
    desk = headers["front_desk"]
    client.post("/api/v1/patients", json={**PATIENT, "last_name": "Lo_pez"}, headers=desk)
    page = client.get("/api/v1/patients", params={"q": "o_p"}, headers=desk).json()
    assert [p["last_name"] for p in page["items"]] == ["Lo_pez"]


# 5. The audit view's patient filter copes with whatever is typed.


@pytest.fixture
def admin(app: FastAPI, users: dict[str, auth.User]) -> Any:
    with TestClient(app) as client:
        client.get("/login")
        token = client.cookies["sclero_csrf"]
        signed = client.post(
            "/login",
            data={"username": "test-admin", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        yield client


@pytest.mark.parametrize("typed", ["²", "١٢", "12a", "-3", "9" * 30])
def test_a_patient_id_that_is_not_a_number_shows_all_entries_and_keeps_the_text(
    admin: TestClient, typed: str
) -> None:
    response = admin.get("/audit", params={"patient_id": typed})
    assert response.status_code == 200
    assert f'value="{typed}"' in response.text
    assert "<td>login</td>" in response.text  # unfiltered: the sign-in itself is listed


def test_a_numeric_patient_id_still_filters(admin: TestClient, pid: int) -> None:
    page = admin.get("/audit", params={"patient_id": str(pid)}).text
    assert f'href="/audit?patient_id={pid}"' in page
    assert "<td>login</td>" not in page  # a sign-in has no patient, so it is filtered out


# 6. The engine's public contract answers a number or date it cannot use with a 422 on the field.


HUGE_VEIN = {"id": "f1", "side": "left", "region": "leg_medial", "diameter_mm": 10**400}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"findings": [HUGE_VEIN]}, "findings[0].diameter_mm"),
        ({"proposed_date": "9999-12-31"}, "proposed_date"),
    ],
)
def test_the_evaluate_endpoint_refuses_unusable_input_on_its_field(
    client: TestClient, headers: Headers, change: dict[str, Any], field: str
) -> None:
    case = {**build_case(), **change}
    response = client.post("/api/v1/evaluate", json=case, headers=headers["nurse"])
    assert response.status_code == 422, response.text
    assert field in errors_of(response)


# 7. A photo's file is written only once its row is in the database.


def test_a_refused_photo_row_leaves_no_file_in_the_store(
    db: Database, users: dict[str, auth.User], pid: int
) -> None:
    content = PNG + secrets.token_bytes(16)  # bytes no other test stored
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    broken = meta.model_copy(update={"side": None})  # no side: the database refuses the row
    with pytest.raises(IntegrityError), db.uow(users["nurse"].as_actor()) as uow:
        follow_up.add_photo(uow, pid, broken, content)
    assert not follow_up.store().path_for(digest_of(content)).exists()


def test_a_kept_photo_has_its_file(db: Database, users: dict[str, auth.User], pid: int) -> None:
    content = PNG + secrets.token_bytes(16)
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    with db.uow(users["nurse"].as_actor()) as uow:
        photo = follow_up.add_photo(uow, pid, meta, content)
    assert photo.sha256 == digest_of(content)
    assert follow_up.store().get(photo.sha256) == content
