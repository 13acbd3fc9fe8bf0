"""Medical evaluation with the live decision, and the treatment plan from proposal to signed
consent — in real Chromium."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import as_read_in, axe_violations, screenshot, sign_in


def new_patient(page: Any, last_name: str, diameters: tuple[float, ...] = (2.0, 0.5)) -> int:
    """A patient with vein findings, made through the JSON API with the browser's session."""
    made = page.request.post(
        "/api/v1/patients",
        data={
            "first_name": "Ilse",
            "last_name": last_name,
            "birth_date": "1976-04-02",
            "sex": "female",
            "weight_kg": 64,
        },
    )
    assert made.ok, made.text()
    pid = int(made.json()["id"])
    for diameter, region in zip(diameters, ("leg_medial", "thigh_lateral"), strict=False):
        finding = page.request.post(
            f"/api/v1/patients/{pid}/findings",
            data={"side": "left", "region": region, "diameter_mm": diameter},
        )
        assert finding.ok, finding.text()
    return pid


def decision(page: Any) -> Any:
    return page.get_by_test_id("result").get_by_test_id("decision")


def test_the_decision_follows_the_intake_as_it_is_filled(page: Any) -> None:
    sign_in(page, "physician")
    pid = new_patient(page, "Kovacs")
    page.goto(f"/patients/{pid}/evaluation")
    assert page.get_by_label("Weight (kg)").input_value() == "64"
    expect(decision(page)).to_have_text("Defer")  # pregnancy not yet answered: never "no"
    page.get_by_label("Pregnant: no").check()
    page.get_by_label("Breastfeeding: no").check()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result] [data-testid=decision]')"
        "?.innerText === 'Eligible'"
    )
    page.get_by_label("Acute deep vein thrombosis").check()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result] [data-testid=decision]')"
        "?.innerText === 'Contraindicated'"
    )
    assert "Absolute" in page.get_by_test_id("result").inner_text()
    screenshot(page, "evaluation-contraindicated")
    assert axe_violations(page) == []
    page.get_by_label("Acute deep vein thrombosis").uncheck()
    page.get_by_label("Migraine with aura").check()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result]')"
        ".innerText.includes('Migraine with aura')"
    )
    assert decision(page).inner_text() != "Contraindicated"
    assert "foam only" in page.locator("li.finding").first.inner_text()
    assert "do not block liquid microsclerotherapy" in page.get_by_test_id("result").inner_text()
    page.get_by_label("Migraine with aura").uncheck()
    page.get_by_label("Anticoagulant").check()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result] [data-testid=decision]')"
        "?.innerText === 'Eligible with precautions'"
    )
    screenshot(page, "evaluation-live")
    assert axe_violations(page) == []

    page.get_by_label("Weight (kg)").fill("0")
    page.get_by_role("button", name="Save evaluation").click()
    assert "Enter the weight in kg" in page.locator("#e-weight_kg").inner_text()
    assert page.get_by_label("Anticoagulant").is_checked()
    screenshot(page, "evaluation-refused")
    assert axe_violations(page) == []
    page.get_by_label("Weight (kg)").fill("64.5")
    page.get_by_role("button", name="Save evaluation").click()
    page.wait_for_url(f"**/patients/{pid}")
    expect(page.get_by_test_id("decision")).to_have_text("Eligible with precautions")


def test_a_plan_is_proposed_edited_approved_and_consented(page: Any) -> None:
    sign_in(page, "physician")
    pid = new_patient(page, "Haugen")
    evaluated = page.request.post(
        f"/api/v1/patients/{pid}/evaluations",
        headers=as_read_in(page, f"/patients/{pid}/history"),
        data={
            "weight_kg": 64,
            "pregnant": False,
            "breastfeeding": False,
            "conditions": [],
            "medications": [],
            "allergies": ["latex"],
        },
    )
    assert evaluated.ok, evaluated.text()
    page.goto(f"/patients/{pid}/plan")
    screenshot(page, "plan-none")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Propose plan").click()
    page.wait_for_url("**/plans/*")
    expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
    items = page.get_by_test_id("plan-item")
    expect(items).to_have_count(2)
    assert "Reticular" in items.first.inner_text()  # the larger vein first
    assert "Telangiectasia" in items.nth(1).inner_text()
    screenshot(page, "plan-draft")
    assert axe_violations(page) == []

    page.get_by_text("Edit item 1").click()
    page.get_by_label("Highest concentration (%)").first.fill("0.75")
    page.get_by_role("button", name="Save item 1").click()
    assert "Give the reason" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_label("Highest concentration (%)").first.input_value() == "0.75"
    screenshot(page, "plan-edit-refused")
    assert axe_violations(page) == []
    page.get_by_label("Reason for departing from the proposal").first.fill(
        "Thin skin over the calf; start low"
    )
    page.get_by_role("button", name="Save item 1").click()
    assert "Departs from proposal: Thin skin over the calf" in (
        page.get_by_test_id("departure").inner_text()
    )

    page.get_by_role("button", name="Approve plan").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("plan-status")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Approve plan")).to_have_count(0)
    expect(page.get_by_text("Edit item 1")).to_have_count(0)

    page.get_by_label("Patient's name (typed as signature)").fill("Ilse Haugen")
    page.get_by_role("button", name="Record signed consent").click()
    assert "must confirm" in page.locator("#e-confirm").inner_text()
    assert page.get_by_label("Patient's name (typed as signature)").input_value() == "Ilse Haugen"
    page.get_by_label("The patient confirms they understood").check()
    page.get_by_role("button", name="Record signed consent").click()
    signed = page.get_by_test_id("consent-signed").inner_text()
    assert "Ilse Haugen" in signed and "witnessed by" in signed
    assert "Risks explained to me" in page.get_by_test_id("consent-text").inner_text()
    screenshot(page, "plan-approved-consented")
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="Print consent")).to_be_hidden()
    screenshot(page, "plan-print")


def test_a_nurse_reads_the_plan_without_controls(page: Any) -> None:
    sign_in(page, "physician")
    pid = new_patient(page, "Moreau", diameters=(0.5,))
    page.request.post(
        f"/api/v1/patients/{pid}/evaluations",
        headers=as_read_in(page, f"/patients/{pid}/history"),
        data={
            "weight_kg": 64,
            "pregnant": False,
            "breastfeeding": False,
            "conditions": [],
            "medications": [],
            "allergies": [],
        },
    )
    plan = page.request.post(f"/api/v1/patients/{pid}/plans", data={})
    assert plan.ok, plan.text()
    plan_id = plan.json()["id"]
    approving = as_read_in(page, f"/plans/{plan_id}")
    assert page.request.post(f"/api/v1/plans/{plan_id}/approve", headers=approving).ok
    page.context.clear_cookies()
    sign_in(page, "nurse")
    page.goto(f"/plans/{plan.json()['id']}")
    expect(page.get_by_role("button", name="Approve plan")).to_have_count(0)
    expect(page.get_by_text("Edit item")).to_have_count(0)
    expect(page.get_by_role("button", name="Record signed consent")).to_be_visible()
    screenshot(page, "plan-nurse")
    assert axe_violations(page) == []


def test_a_contraindicated_patient_is_refused_a_plan_with_the_reason(page: Any) -> None:
    sign_in(page, "physician")
    pid = new_patient(page, "Lindqvist")
    page.goto(f"/patients/{pid}/evaluation")
    page.get_by_label("Pregnant: yes").check()
    page.get_by_label("Breastfeeding: no").check()
    page.get_by_role("button", name="Save evaluation").click()
    page.wait_for_url(f"**/patients/{pid}")
    page.goto(f"/patients/{pid}/plan")
    page.get_by_role("button", name="Propose plan").click()
    refusal = page.get_by_test_id("refusal").inner_text()
    assert "the screening says defer" in refusal and "Pregnan" in refusal
    screenshot(page, "plan-refused")
    assert axe_violations(page) == []
