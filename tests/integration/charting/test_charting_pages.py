"""The session charting pages through a signed-in page session: the checklist, the dose guard,
closing and the aftercare sheet."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.charting.models import Injection, TreatmentSession
from sclero.charting.schemas import CHECKLIST_ITEMS
from sclero.core.db import Database
from sclero.rules import default_protocol
from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.evaluation import NO_PRECAUTIONS
from tests.factories.planning import consented_plan
from tests.factories.web import post


def count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


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


def test_the_session_form_shows_the_checklist(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int
) -> None:
    consented_plan(
        poster(client, headers["physician"]),
        patient_id,
        intake=NO_PRECAUTIONS,
        signed_by="Ana Ferreira",
    )
    page = nurse.get(f"/patients/{patient_id}/session/new")
    assert page.status_code == 200
    for text in default_protocol().checklist_labels.values():
        assert text in page.text
    assert "Today’s weight" in page.text


def test_an_unchecked_item_refuses_the_session_and_names_the_item(
    nurse: TestClient, client: TestClient, headers: Headers, patient_id: int, db: Database
) -> None:
    consented_plan(
        poster(client, headers["physician"]),
        patient_id,
        intake=NO_PRECAUTIONS,
        signed_by="Ana Ferreira",
    )
    data = {**checklist(not_pregnant=False), "weight_kg": "68"}
    response = post(nurse, f"/patients/{patient_id}/session/new", data)
    assert response.status_code == 409
    assert default_protocol().checklist_labels["not_pregnant"] in response.text
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
    nurse: TestClient,
    doctor: TestClient,
    client: TestClient,
    headers: Headers,
    patient_id: int,
    db: Database,
) -> None:
    consented_plan(
        poster(client, headers["physician"]),
        patient_id,
        intake=NO_PRECAUTIONS,
        signed_by="Ana Ferreira",
    )
    # 2 mg/kg of 10 kg → 20 mg of polidocanol; so far from the evaluated 70 kg, a physician
    # confirms the weight on the start page.
    sid = start(doctor, patient_id, weight_kg="10", weight_confirmed="true")
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
    # The reason once (not again in a list), and advice that fits a limit in mg.
    assert text.count("brings the session total to 21 mg") == 1
    assert "Lower the volume or the concentration, or ask a physician." in text
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
    consented_plan(
        poster(client, headers["physician"]),
        patient_id,
        intake=NO_PRECAUTIONS,
        signed_by="Ana Ferreira",
    )
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
    consented_plan(
        poster(client, headers["physician"]),
        patient_id,
        intake=NO_PRECAUTIONS,
        signed_by="Ana Ferreira",
    )
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
    consented_plan(
        poster(client, headers["physician"]),
        patient_id,
        intake=NO_PRECAUTIONS,
        signed_by="Ana Ferreira",
    )
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
