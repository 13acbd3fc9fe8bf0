"""The evaluation and treatment-plan pages through the web app, signed in with a session cookie."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sclero.core import auth
from sclero.rules.vocabulary import Allergy, Condition, Medication
from tests.conftest import PASSWORD, Headers

PATIENT = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "birth_date": "1979-06-15",
    "sex": "female",
    "weight_kg": 70,
}
INTAKE = {"weight_kg": 70, "conditions": [], "medications": ["oral_contraceptive"], "allergies": []}
Browser = Callable[[str], TestClient]


class Signed:
    """A TestClient signed in through the real sign-in form, posting forms with its CSRF token."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = client
        client.get("/login")
        self.token = client.cookies["sclero_csrf"]
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": self.token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.token, **(data or {})}
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)


@pytest.fixture
def signed(app, users: dict[str, auth.User]) -> Iterator[Callable[[str], Signed]]:  # type: ignore[no-untyped-def]
    clients: list[TestClient] = []

    def make(role: str) -> Signed:
        client = TestClient(app)
        clients.append(client)
        return Signed(client, users[role].username)

    yield make
    for client in clients:
        client.close()


def new_patient(client: TestClient, headers: Headers, findings: tuple[float, ...] = ()) -> int:
    pid = int(client.post("/api/v1/patients", json=PATIENT, headers=headers["nurse"]).json()["id"])
    for diameter in findings:
        made = client.post(
            f"/api/v1/patients/{pid}/findings",
            headers=headers["nurse"],
            json={"side": "left", "region": "leg_medial", "diameter_mm": diameter},
        )
        assert made.status_code == 201, made.text
    return pid


def evaluated_patient(client: TestClient, headers: Headers, **intake: Any) -> int:
    pid = new_patient(client, headers, findings=(2.0, 0.5))
    done = client.post(
        f"/api/v1/patients/{pid}/evaluations", json={**INTAKE, **intake}, headers=headers["nurse"]
    )
    assert done.status_code == 201, done.text
    return pid


def evaluations_of(client: TestClient, headers: Headers, pid: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get(
        f"/api/v1/patients/{pid}/evaluations", headers=headers["nurse"]
    ).json()
    return rows


def plan_of(client: TestClient, headers: Headers, plan_id: int) -> dict[str, Any]:
    plan: dict[str, Any] = client.get(f"/api/v1/plans/{plan_id}", headers=headers["nurse"]).json()
    return plan


def is_checked(html: str, name: str, value: str) -> bool:
    tag = re.search(rf'<input type="checkbox" name="{name}" value="{value}"[^>]*>', html)
    return tag is not None and "checked" in tag.group(0)


# --- medical evaluation ------------------------------------------------------------------------


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
    assert is_checked(html, "medications", "oral_contraceptive")
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
    calm = nurse.post(f"/patients/{pid}/evaluation/preview", {"weight_kg": "70"})
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
    saved = signed("physician").post(
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


# --- treatment plan ----------------------------------------------------------------------------


def propose(doctor: Signed, pid: int) -> int:
    made = doctor.post(f"/patients/{pid}/plan")
    assert made.status_code == 303, made.text
    match = re.fullmatch(r"/plans/(\d+)", made.headers["location"])
    assert match
    return int(match.group(1))


def test_a_physician_proposes_a_plan_shown_in_the_engines_order(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    doctor = signed("physician")
    empty = doctor.get(f"/patients/{pid}/plan")
    assert empty.status_code == 200
    assert "Propose plan" in empty.text and "Eligible with precautions" in empty.text
    plan_id = propose(doctor, pid)
    page = doctor.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    html = page.text
    assert html.index("Reticular") < html.index("Telangiectasia")  # larger veins first
    assert "0.5–1 %" in html and "0.3 mL" in html and "Polidocanol" in html
    assert "140 mg" in html and "10 mL" in html
    assert "Expected sessions" in html and "Compression" in html and "Aftercare" in html
    assert "Sources: DGP2020" in html and "Approve plan" in html and "Edit item 1" in html
    assert "Varicose veins and venous insufficiency are treated first" in html
    assert "Risks explained to me" in html  # the consent text generated from the plan
    current = doctor.get(f"/patients/{pid}/plan")
    assert f"Treatment plan {plan_id}" in current.text


def test_a_nurse_sees_the_plan_without_controls_and_may_not_change_it(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    nurse = signed("nurse")
    empty = nurse.get(f"/patients/{pid}/plan")
    assert "Propose plan" not in empty.text and "A physician proposes" in empty.text
    assert nurse.post(f"/patients/{pid}/plan").status_code == 403
    plan_id = propose(signed("physician"), pid)
    page = nurse.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    assert "Approve plan" not in page.text and "Edit item" not in page.text
    item_id = plan_of(client, headers, plan_id)["items"][0]["id"]
    edit = {"technique": "foam", "agent": "polidocanol", "reason": "nurse tries"}
    assert nurse.post(f"/plans/{plan_id}/items/{item_id}", edit).status_code == 403
    assert nurse.post(f"/plans/{plan_id}/approve").status_code == 403
    plan = plan_of(client, headers, plan_id)
    assert plan["status"] == "draft" and not plan["items"][0]["departs_from_proposal"]


def test_a_contraindicated_patient_gets_no_plan_and_sees_why(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers, conditions=["acute_dvt"])
    refused = signed("physician").post(f"/patients/{pid}/plan")
    assert refused.status_code == 409
    assert 'data-testid="refusal"' in refused.text
    assert "the screening says contraindicated" in refused.text
    assert "Acute deep vein thrombosis" in refused.text
    plans = client.get(f"/api/v1/patients/{pid}/plans", headers=headers["nurse"]).json()
    assert plans == []


def test_a_patient_without_evaluation_is_asked_to_evaluate_first(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers, findings=(0.5,))
    refused = signed("physician").post(f"/patients/{pid}/plan")
    assert refused.status_code == 409
    assert "no medical evaluation yet" in refused.text


def test_an_edit_needs_a_reason_and_then_shows_the_departure(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    doctor = signed("physician")
    plan_id = propose(doctor, pid)
    item = plan_of(client, headers, plan_id)["items"][0]
    change = {
        "technique": "liquid",
        "agent": "polidocanol",
        "concentration_min": "0.5",
        "concentration_max": "0.75",
        "max_volume_per_injection_ml": "0.25",
    }
    refused = doctor.post(f"/plans/{plan_id}/items/{item['id']}", {**change, "reason": ""})
    assert refused.status_code == 422
    assert f'id="i{item["id"]}-e-reason" role="alert">Give the reason' in refused.text
    assert 'value="0.75"' in refused.text  # what the physician typed is kept
    assert plan_of(client, headers, plan_id)["items"][0] == item  # nothing half-saved
    upside_down = doctor.post(
        f"/plans/{plan_id}/items/{item['id']}",
        {**change, "concentration_min": "1", "reason": "smaller dose"},
    )
    assert upside_down.status_code == 422
    assert "must not be below the lowest" in upside_down.text
    done = doctor.post(
        f"/plans/{plan_id}/items/{item['id']}", {**change, "reason": "sensitive skin"}
    )
    assert done.status_code == 303
    page = doctor.get(f"/plans/{plan_id}")
    assert "Departs from proposal: sensitive skin" in page.text
    assert "0.5–0.75 %" in page.text and "Proposed: Liquid" in page.text
    edited = plan_of(client, headers, plan_id)["items"][0]
    assert edited["concentration_max"] == 0.75 and edited["departure_reason"] == "sensitive skin"


def test_approval_and_the_signed_consent(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = evaluated_patient(client, headers)
    doctor, nurse = signed("physician"), signed("nurse")
    plan_id = propose(doctor, pid)
    assert doctor.post(f"/plans/{plan_id}/approve").status_code == 303
    approved = doctor.get(f"/plans/{plan_id}")
    assert 'data-testid="plan-status">Approved' in approved.text
    assert "Approve plan" not in approved.text and "Edit item" not in approved.text
    again = doctor.post(f"/plans/{plan_id}/approve")
    assert again.status_code == 409 and "only a draft can be approved" in again.text

    unconfirmed = nurse.post(f"/plans/{plan_id}/consent", {"signed_by_name": "Maria Lopez"})
    assert unconfirmed.status_code == 422
    assert 'id="e-confirm" role="alert">The patient must confirm' in unconfirmed.text
    assert 'value="Maria Lopez"' in unconfirmed.text
    nameless = nurse.post(f"/plans/{plan_id}/consent", {"patient_confirms_understanding": "true"})
    assert nameless.status_code == 422 and "Type the patient" in nameless.text
    assert re.search(r'name="patient_confirms_understanding"[^>]*\n?\s*checked', nameless.text)
    signed_ok = nurse.post(
        f"/plans/{plan_id}/consent",
        {"signed_by_name": "Maria Lopez", "patient_confirms_understanding": "true"},
    )
    assert signed_ok.status_code == 303
    page = nurse.get(f"/plans/{plan_id}")
    assert "Signed by <strong>Maria Lopez</strong>" in page.text
    assert "witnessed by Test nurse" in page.text
    assert "Record signed consent" not in page.text
    assert "window.print()" in page.text
