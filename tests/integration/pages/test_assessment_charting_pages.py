"""The vein assessment and session charting pages through a signed-in browser session (TestClient):
the body map, findings, duplex, the checklist, the dose guard, closing and the aftercare sheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.charting.models import Injection, TreatmentSession
from sclero.charting.schemas import CHECKLIST_ITEMS
from sclero.core.db import Database
from sclero.rules.vocabulary import Region
from tests.conftest import PASSWORD, Headers

PATIENT = {
    "first_name": "Ana",
    "last_name": "Ferreira",
    "birth_date": "1980-02-11",
    "sex": "female",
    "weight_kg": 70,
}
INTAKE = {"weight_kg": 70, "conditions": [], "medications": [], "allergies": []}
LEG_REGIONS = [r.value for r in Region if r.value not in {"face", "other"}]


def sign_in(client: TestClient, username: str) -> TestClient:
    """Sign in through the real form: the login page sets the CSRF cookie the form must echo."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient) -> str:
    return str(client.cookies.get("sclero_csrf"))


def post(client: TestClient, url: str, data: dict[str, Any], htmx: bool = False) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        url, data={**data, "csrf_token": csrf(client)}, headers=headers, follow_redirects=False
    )


def count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def doctor(app: Any, users: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield sign_in(client, "test-physician")


@pytest.fixture
def nurse(app: Any, users: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield sign_in(client, "test-nurse")


@pytest.fixture
def patient_id(client: TestClient, headers: Headers) -> int:
    response = client.post("/api/v1/patients", json=PATIENT, headers=headers["nurse"])
    return int(response.json()["id"])


def plan_patient(client: TestClient, headers: Headers, pid: int, diameter: float = 2.0) -> int:
    """Evaluate, map one reticular vein, plan, approve and consent through the API."""
    doc = headers["physician"]
    assert client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=doc).is_success
    client.post(
        f"/api/v1/patients/{pid}/findings",
        headers=doc,
        json={"side": "left", "region": "leg_medial", "diameter_mm": diameter},
    )
    plan_id = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()["id"]
    client.post(f"/api/v1/plans/{plan_id}/approve", headers=doc)
    client.post(
        f"/api/v1/plans/{plan_id}/consent",
        headers=doc,
        json={"signed_by_name": "Ana Ferreira", "patient_confirms_understanding": True},
    )
    return int(plan_id)


def checklist(**unchecked: bool) -> dict[str, Any]:
    return {"checklist": [name for name in CHECKLIST_ITEMS if name not in unchecked]}


def start(client: TestClient, pid: int, **extra: str) -> int:
    response = post(client, f"/patients/{pid}/session/new", {**checklist(), **extra})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/sessions/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


def injection(volume: str = "0.3", **extra: str) -> dict[str, str]:
    return {
        "side": "left",
        "region": "leg_medial",
        "agent": "polidocanol",
        "concentration_percent": "1",
        "volume_ml": volume,
        "technique": "liquid",
        "needle_gauge": "30",
        "lot_number": "L123",
        **extra,
    }


# --- vein assessment ---------------------------------------------------------------------------


def test_the_map_has_every_region_for_both_sides(doctor: TestClient, patient_id: int) -> None:
    page = doctor.get(f"/patients/{patient_id}/assessment")
    assert page.status_code == 200
    for side in ("left", "right"):
        for code in [*LEG_REGIONS, "face"]:
            assert f'data-testid="region-{side}-{code}"' in page.text, (side, code)
    assert 'aria-label="Left thigh anterior"' in page.text
    assert 'aria-label="Right leg posterior (calf)"' in page.text
    assert "physician decides" in page.text.lower()
    assert '<option value="other"' in page.text  # 'other' via the table form only


def test_a_map_link_pre_fills_the_form_without_javascript(
    doctor: TestClient, patient_id: int
) -> None:
    page = doctor.get(f"/patients/{patient_id}/assessment?side=right&region=knee_posterior")
    assert re.search(r'<option value="right"\s+selected', page.text)
    assert re.search(r'<option value="knee_posterior"\s+selected', page.text)


def test_adding_a_finding_derives_its_type_and_draws_it(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    data = {"side": "left", "region": "thigh_anterior", "diameter_mm": "2", "colour": "blue"}
    response = post(doctor, f"/patients/{patient_id}/findings", data, htmx=True)
    assert response.status_code == 200
    assert "Added: Left thigh anterior — reticular (derived from 2 mm)." in response.text
    assert re.search(r'data-testid="region-left-thigh_anterior" data-findings="1"', response.text)
    with db.sessions() as s:
        finding = s.scalars(select(VeinFinding)).one()
    assert (finding.vein_type, finding.vein_type_derived) == ("reticular", True)
    plain = post(doctor, f"/patients/{patient_id}/findings", {**data, "diameter_mm": "0.5"})
    assert plain.status_code == 303
    page = doctor.get(plain.headers["location"])
    assert page.text.count("(derived)") == 2 and "Telangiectasia" in page.text


def test_a_bad_diameter_keeps_the_input_shows_the_error_and_saves_nothing(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    data = {"side": "right", "region": "leg_lateral", "diameter_mm": "45", "notes": "cluster"}
    response = post(doctor, f"/patients/{patient_id}/findings", data, htmx=True)
    assert response.status_code == 422
    assert response.headers["X-Sclero-Partial"] == "1"
    assert 'id="e-diameter_mm"' in response.text and "30" in response.text
    assert 'value="45"' in response.text and ">cluster</textarea>" in response.text
    assert re.search(r'<option value="leg_lateral"\s+selected', response.text)
    assert count(db, VeinFinding) == 0


def test_a_finding_can_be_edited_and_retired(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    data = {"side": "left", "region": "foot", "diameter_mm": "0.4"}
    post(doctor, f"/patients/{patient_id}/findings", data)
    with db.sessions() as s:
        fid = s.scalars(select(VeinFinding.id)).one()
    form = doctor.get(f"/patients/{patient_id}/assessment?edit={fid}")
    assert f'action="/findings/{fid}/edit"' in form.text and 'value="0.4"' in form.text
    edited = post(doctor, f"/findings/{fid}/edit", {**data, "diameter_mm": "4"}, htmx=True)
    assert "Saved: Left foot." in edited.text and "Varicose" in edited.text
    retired = post(doctor, f"/findings/{fid}/retire", {}, htmx=True)
    assert "Retired: Left foot." in retired.text
    assert "Retired findings (1)" in retired.text
    assert 'data-testid="region-left-foot"' in retired.text
    assert 'data-testid="region-left-foot" data-findings="0"' in retired.text
    with db.sessions() as s:
        assert s.get(VeinFinding, fid).active is False  # type: ignore[union-attr]


def test_duplex_results_are_recorded_and_listed(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    bad = post(doctor, f"/patients/{patient_id}/duplex", {"saphenous_reflux": "1"})
    assert bad.status_code == 422 and 'id="de-performed_on"' in bad.text
    assert count(db, DuplexFinding) == 0
    data = {"performed_on": "2025-01-15", "saphenous_reflux": "1", "notes": "GSV reflux"}
    ok = post(doctor, f"/patients/{patient_id}/duplex", data)
    assert ok.status_code == 303
    page = doctor.get(f"/patients/{patient_id}/assessment")
    assert "15 Jan 2025" in page.text and "GSV reflux" in page.text and "Reflux" in page.text


def test_front_desk_may_not_open_the_assessment(app: Any, users: Any, patient_id: int) -> None:
    with TestClient(app) as client:
        sign_in(client, "test-front_desk")
        assert client.get(f"/patients/{patient_id}/assessment").status_code == 403


# --- session charting --------------------------------------------------------------------------


def test_the_session_form_shows_the_checklist(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int
) -> None:
    plan_patient(client, headers, patient_id)
    page = nurse.get(f"/patients/{patient_id}/session/new")
    assert page.status_code == 200
    for text in CHECKLIST_ITEMS.values():
        assert text in page.text
    assert "Today’s weight" in page.text


def test_an_unchecked_item_refuses_the_session_and_names_the_item(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int, db: Database
) -> None:
    plan_patient(client, headers, patient_id)
    data = {**checklist(not_pregnant=False), "weight_kg": "68"}
    response = post(nurse, f"/patients/{patient_id}/session/new", data)
    assert response.status_code == 409
    assert CHECKLIST_ITEMS["not_pregnant"] in response.text
    assert 'id="e-checklist-not_pregnant"' in response.text
    assert 'value="68"' in response.text  # what was typed is kept
    assert re.search(r'name="checklist" value="skin_clean"\s+checked', response.text)
    assert count(db, TreatmentSession) == 0


def test_no_approved_plan_refuses_the_session(
    nurse: TestClient, patient_id: int, db: Database
) -> None:
    page = nurse.get(f"/patients/{patient_id}/session/new")
    assert "no approved treatment plan" in page.text
    response = post(nurse, f"/patients/{patient_id}/session/new", checklist())
    assert response.status_code == 409 and "no approved treatment plan" in response.text
    assert count(db, TreatmentSession) == 0


def test_injections_are_charted_and_refused_over_the_limit(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int, db: Database
) -> None:
    plan_patient(client, headers, patient_id)
    sid = start(nurse, patient_id, weight_kg="10")  # 2 mg/kg → 20 mg of polidocanol
    page = nurse.get(f"/sessions/{sid}")
    assert page.status_code == 200 and 'name="override_reason"' not in page.text
    for _ in range(6):  # 6 × 0.3 mL of 1 % = 18 mg
        ok = post(nurse, f"/sessions/{sid}/injections", injection("0.3"), htmx=True)
        assert ok.status_code == 200, ok.text
    refused = post(nurse, f"/sessions/{sid}/injections", injection("0.3"), htmx=True)
    assert refused.status_code == 409
    text = refused.text
    assert 'data-testid="refusal"' in text
    assert re.search(r"Given\D+21 mg", text) and re.search(r"Limit\D+20 mg", text)
    assert re.search(r"Remaining\D+2 mg", text)
    assert 'value="0.3"' in text and 'value="L123"' in text  # the typed values are kept
    assert 'name="override_reason"' not in text  # a nurse is not offered an override
    assert count(db, Injection) == 6
    tried = post(
        nurse,
        f"/sessions/{sid}/injections",
        injection("0.3", override_reason="large feeder vein"),
        htmx=True,
    )
    assert tried.status_code == 403 and "Only a physician may override" in tried.text
    assert count(db, Injection) == 6


def test_a_physician_overrides_with_a_reason(
    doctor: TestClient, client: TestClient, headers: Headers, patient_id: int, db: Database
) -> None:
    plan_patient(client, headers, patient_id)
    sid = start(doctor, patient_id)
    too_much = injection("0.6")  # above the per-injection maximum for reticular veins
    refused = post(doctor, f"/sessions/{sid}/injections", too_much, htmx=True)
    assert refused.status_code == 409 and 'name="override_reason"' in refused.text
    assert count(db, Injection) == 0
    done = post(
        doctor,
        f"/sessions/{sid}/injections",
        {**too_much, "override_reason": "large feeder vein, documented"},
        htmx=True,
    )
    assert done.status_code == 200, done.text
    assert "large feeder vein, documented" in done.text
    assert count(db, Injection) == 1


def test_the_tally_partial_shows_totals_limits_and_precautions(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int
) -> None:
    plan_patient(client, headers, patient_id)
    sid = start(nurse, patient_id)
    for _ in range(11):  # 11 × 0.3 mL = 3.3 mL of polidocanol: above the anaphylaxis threshold
        post(nurse, f"/sessions/{sid}/injections", injection("0.3"), htmx=True)
    tally = nurse.get(f"/sessions/{sid}/tally", headers={"HX-Request": "true"})
    assert tally.status_code == 200
    assert "<html" not in tally.text
    assert re.search(r"33\s*mg\s*of\s*140\s*mg", tally.text)
    assert re.search(r"3\.3\s*mL\s*of\s*10\s*mL", tally.text)
    assert "107 mg left" in tally.text
    assert 'class="meter' in tally.text
    assert "anaphylaxis" in tally.text.lower()


def test_closing_the_session_and_the_aftercare_sheet(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int, db: Database
) -> None:
    plan_patient(client, headers, patient_id)
    sid = start(nurse, patient_id)
    post(nurse, f"/sessions/{sid}/injections", injection("0.3"))
    page = nurse.get(f"/sessions/{sid}")
    assert "5–7 days" in page.text  # compression pre-filled from the plan
    unconfirmed = post(nurse, f"/sessions/{sid}/close", {"compression_given": "Stockings"})
    assert unconfirmed.status_code == 422 and 'id="e-aftercare_given"' in unconfirmed.text
    assert 'value="Stockings"' in unconfirmed.text
    with db.sessions() as s:
        assert s.get(TreatmentSession, sid).status == "open"  # type: ignore[union-attr]
    closed = post(
        nurse,
        f"/sessions/{sid}/close",
        {"compression_given": "Class 1 stockings, 5–7 days", "aftercare_given": "on"},
    )
    assert closed.status_code == 303
    after = nurse.get(f"/sessions/{sid}")
    assert f"/sessions/{sid}/aftercare" in after.text and "Closed" in after.text
    sheet = nurse.get(f"/sessions/{sid}/aftercare")
    assert sheet.status_code == 200
    text = sheet.text
    for sign in ("Chest pain", "Difficulty breathing", "Coughing blood", "swollen calf"):
        assert sign in text
    assert "Disturbed vision" in text and "Weakness, numbness" in text
    assert "Class 1 stockings, 5–7 days" in text and "Walk for 15–20 minutes" in text
    assert "Left leg medial" in text
    pdf = nurse.get(f"/sessions/{sid}/aftercare.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
