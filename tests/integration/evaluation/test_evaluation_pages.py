"""The medical evaluation pages, signed in with a session cookie: the intake, the live decision."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from sclero.rules import default_protocol
from sclero.rules.vocabulary import Allergy, Condition, Medication
from tests.conftest import Headers
from tests.factories.evaluation import (
    evaluated_patient,
    new_patient,
)
from tests.factories.web import Signed, submit


def evaluations_of(client: TestClient, headers: Headers, pid: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get(
        f"/api/v1/patients/{pid}/evaluations", headers=headers["nurse"]
    ).json()
    return rows


def is_checked(html: str, name: str, value: str) -> bool:
    tag = re.search(rf'<input type="checkbox" name="{name}" value="{value}"[^>]*>', html)
    return tag is not None and "checked" in tag.group(0)


def test_the_intake_form_offers_the_whole_vocabulary_and_prefills_the_record(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers, pregnant=False, allergies=["latex"])
    page = signed("nurse").get(f"/patients/{pid}/evaluation")
    assert page.status_code == 200
    html = page.text
    for code in (*Condition, *Medication, *Allergy):
        assert f'value="{code.value}"' in html
        assert code.label.replace("'", "&#39;") in html
    assert is_checked(html, "medications", "anticoagulant")
    assert is_checked(html, "allergies", "latex")
    assert not is_checked(html, "conditions", "acute_dvt")
    assert 'name="weight_kg" type="number" value="70"' in html
    assert f'hx-post="/patients/{pid}/evaluation/preview"' in html
    assert 'data-testid="decision">Eligible with precautions' in html  # live result on load
    assert "Previous evaluations" in html and "sclero-default 1.0.0" in html


def test_the_preview_shows_the_decision_with_reasons_and_sources(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers, findings=(0.5,))
    nurse = signed("nurse")
    unanswered = nurse.post(f"/patients/{pid}/evaluation/preview", {"weight_kg": "70"})
    assert 'data-testid="decision">Defer</span>' in unanswered.text  # never read as "no"
    assert "Pregnancy not yet answered" in unanswered.text
    answered = {"weight_kg": "70", "pregnant": "false", "breastfeeding": "false"}
    calm = nurse.post(f"/patients/{pid}/evaluation/preview", answered)
    assert calm.status_code == 200
    assert 'data-testid="decision">Eligible</span>' in calm.text
    clot = nurse.post(
        f"/patients/{pid}/evaluation/preview", {"weight_kg": "70", "conditions": "acute_dvt"}
    )
    assert 'data-testid="decision">Contraindicated' in clot.text
    assert "Acute deep vein thrombosis" in clot.text and "Absolute" in clot.text
    assert "Sources:" in clot.text
    migraine = nurse.post(
        f"/patients/{pid}/evaluation/preview",
        {"weight_kg": "70", "conditions": "migraine_with_aura", "allergies": "latex"},
    )
    assert "foam only" in migraine.text
    assert "do not block liquid microsclerotherapy" in migraine.text
    assert "unconfirmed" in migraine.text  # the latex finding is not yet checked by a clinician
    assert nurse.post(f"/patients/{pid}/evaluation/preview", {}).status_code == 200
    assert evaluations_of(client, headers, pid) == []  # previews never save


def test_a_refused_intake_keeps_the_answers_shows_the_message_and_saves_nothing(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers)
    refused = signed("nurse").post(
        f"/patients/{pid}/evaluation",
        {
            "weight_kg": "0",
            "conditions": ["thrombophilia", "bronchial_asthma"],
            "pregnant": "true",
            "notes": "Brought her own list",
        },
    )
    assert refused.status_code == 422
    html = refused.text
    assert re.search(r'id="e-weight_kg" role="alert">Enter the weight in kg', html)
    assert 'aria-describedby="e-weight_kg"' in html
    assert is_checked(html, "conditions", "thrombophilia")
    assert is_checked(html, "conditions", "bronchial_asthma")
    assert re.search(r'name="pregnant" value="true"\s+checked', html)
    assert "Brought her own list" in html
    assert evaluations_of(client, headers, pid) == []


def test_an_unknown_code_is_refused_beside_its_group(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers)
    refused = signed("nurse").post(
        f"/patients/{pid}/evaluation", {"weight_kg": "70", "conditions": "not_a_condition"}
    )
    assert refused.status_code == 422
    assert 'id="e-conditions"' in refused.text
    assert evaluations_of(client, headers, pid) == []


def test_saving_the_intake_stores_the_protocol_version_and_returns_to_the_chart(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers)
    saved = submit(
        signed("physician"),
        f"/patients/{pid}/evaluation",
        f"/patients/{pid}/evaluation",
        {"weight_kg": "68.5", "medications": "anticoagulant", "notes": "Apixaban"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/patients/{pid}"
    [stored] = evaluations_of(client, headers, pid)
    assert stored["protocol_version"] == "1.0.0" and stored["protocol_id"] == "sclero-default"
    assert stored["answers"]["weight_kg"] == 68.5
    assert stored["answers"]["medications"] == ["anticoagulant"]
    assert stored["notes"] == "Apixaban"
    again = signed("nurse").get(f"/patients/{pid}/evaluation")
    assert 'value="68.5"' in again.text and is_checked(again.text, "medications", "anticoagulant")


def test_front_desk_may_open_neither_evaluation_nor_plan(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers)
    desk = signed("front_desk")
    assert desk.get(f"/patients/{pid}/evaluation").status_code == 403
    assert desk.post(f"/patients/{pid}/evaluation", {"weight_kg": "70"}).status_code == 403
    assert desk.get(f"/patients/{pid}/plan").status_code == 403
    assert evaluations_of(client, headers, pid) == []


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers)
    nurse = signed("nurse")
    forged = nurse.client.post(
        f"/patients/{pid}/evaluation", data={"weight_kg": "70"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert evaluations_of(client, headers, pid) == []


def test_every_source_id_on_a_page_links_to_its_entry_on_the_sources_page(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    nurse = signed("nurse")
    listing = nurse.get("/sources")
    assert listing.status_code == 200
    anchors = set(re.findall(r'<section class="card" id="([A-Z0-9-]+)"', listing.text))
    assert anchors == {s.id for s in default_protocol().spec.sources}
    assert "SCLERO-DEFAULT" in anchors and "EG2014" in listing.text
    pid = evaluated_patient(client, headers, conditions=["migraine_with_aura"])
    answered = {"weight_kg": "70", "pregnant": "false", "breastfeeding": "false",
                "conditions": "history_dvt", "allergies": "latex"}  # fmt: skip
    pages = [
        nurse.post(f"/patients/{pid}/evaluation/preview", answered).text,
        nurse.get(f"/patients/{pid}/plan").text,
    ]
    linked = {i for page in pages for i in re.findall(r'href="/sources#([^"]+)"', page)}
    assert linked and linked <= anchors
    for page in pages:  # no source id printed without its link
        for text in re.findall(r"Sources: ([^<]*)<", page):
            assert not text.strip(), text
