"""The body map and the treatment room in real Chromium: pick a region, add a finding, chart a
session by tapping the map until the dose guard refuses, close it and open the aftercare sheet."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, page_poster, screenshot, sign_in
from tests.factories.assessment import vein
from tests.factories.planning import consented_patient

PATIENT = {"first_name": "Lena", "last_name": "Marsh", "birth_date": "1984-04-02", "sex": "female"}
INTAKE = {"weight_kg": 64, "pregnant": False, "breastfeeding": False, "conditions": [],
          "medications": [], "allergies": []}  # fmt: skip


def api(page: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    """Set up data through the JSON API with the signed-in browser session."""
    response = page.request.post(f"/api/v1{path}", data=body or {})
    assert response.ok, response.text()
    return response.json()


def new_patient(page: Any, last_name: str) -> int:
    return int(api(page, "/patients", {**PATIENT, "last_name": last_name})["id"])


def planned_patient(page: Any, last_name: str) -> int:
    """A patient with mapped veins, an approved plan and signed consent (physician signed in)."""
    return consented_patient(
        page_poster(page),
        patient={**PATIENT, "last_name": last_name},
        intake=INTAKE,
        veins=[vein(), vein("thigh_lateral", 0.6), vein("leg_posterior", 1.5, side="right")],
        signed_by=f"Lena {last_name}",
    )


def region(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


def test_a_tap_on_the_map_fills_the_form_and_the_finding_appears(page: Any) -> None:
    sign_in(page, "nurse")
    pid = new_patient(page, "Mapfield")
    page.goto(f"/patients/{pid}/assessment")
    screenshot(page, "assessment-empty")
    assert axe_violations(page) == []

    region(page, "Left thigh anterior").click()
    assert page.get_by_label("Side").input_value() == "left"
    assert page.get_by_label("Region").input_value() == "thigh_anterior"
    assert page.get_by_label("Diameter (mm)").evaluate("e => e === document.activeElement")
    page.get_by_label("Diameter (mm)").fill("2")
    page.get_by_label("Colour").select_option("blue")
    page.get_by_role("button", name="Add finding").click()
    notice = page.get_by_test_id("notice")
    assert "Left thigh anterior — reticular (derived from 2 mm)" in notice.inner_text()
    table = page.get_by_test_id("findings-table")
    assert "Left thigh anterior" in table.inner_text() and "Reticular" in table.inner_text()
    marked = page.get_by_test_id("region-left-thigh_anterior")
    assert "has-findings" in (marked.get_attribute("class") or "")
    expect(page.locator("[data-testid=body-map] .bm-marker")).to_have_count(1)

    # the keyboard reaches every region: Tab to it, Enter picks it
    region(page, "Right leg posterior (calf)").focus()
    page.keyboard.press("Enter")
    assert page.get_by_label("Region").input_value() == "leg_posterior"
    page.get_by_label("Diameter (mm)").fill("0.5")
    page.get_by_role("button", name="Add finding").click()
    page.get_by_test_id("notice").filter(has_text="telangiectasia").wait_for()
    region(page, "Left ankle medial").click()
    page.get_by_label("Diameter (mm)").fill("4")
    page.get_by_role("button", name="Add finding").click()
    page.get_by_test_id("notice").filter(has_text="varicose").wait_for()
    region(page, "Right thigh medial").click()
    page.get_by_label("Diameter (mm)").fill("45")
    page.get_by_label("Notes", exact=True).fill("cluster behind the knee")
    page.get_by_role("button", name="Add finding").click()
    error = page.locator("#e-diameter_mm")
    assert "30" in error.inner_text()
    assert page.get_by_label("Diameter (mm)").input_value() == "45"
    assert page.get_by_label("Notes", exact=True).input_value() == "cluster behind the knee"
    assert page.get_by_label("Region").input_value() == "thigh_medial"
    expect(page.locator("[data-testid=body-map] .bm-marker")).to_have_count(3)
    screenshot(page, "assessment-map-refused-diameter")
    assert axe_violations(page) == []


def test_a_session_is_charted_on_the_map_until_the_dose_guard_refuses(page: Any) -> None:
    sign_in(page, "physician")
    pid = planned_patient(page, "Chartwell")
    page.goto(f"/patients/{pid}/session/new")
    for box in page.locator("input[name=checklist]").all():
        box.check()
    page.get_by_label("Not pregnant (re-screened today)").uncheck()
    page.get_by_label("Today’s weight (kg)").fill("10")  # light demo weight: 20 mg polidocanol
    page.get_by_role("button", name="Start session").click()
    refused = page.get_by_test_id("start-refused")
    assert "Not pregnant (re-screened today)" in refused.inner_text()
    assert page.get_by_label("Today’s weight (kg)").input_value() == "10"
    screenshot(page, "session-start-refused")
    assert axe_violations(page) == []
    page.get_by_label("Not pregnant (re-screened today)").check()
    page.get_by_role("button", name="Start session").click()
    refused = page.get_by_test_id("start-refused")
    assert "differs from the evaluated weight" in refused.inner_text()  # 10 kg, evaluated 64
    page.get_by_label("I confirm today’s weight", exact=False).check()
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/sessions/*")

    region(page, "Left leg medial").click()
    assert page.get_by_label("Vein finding at the site").input_value() != ""
    assert page.locator("#f-agent").input_value() == "polidocanol"
    assert page.get_by_label("Liquid", exact=True).is_checked()
    page.locator("#f-volume_ml").fill("0.3")
    page.get_by_label("Needle (G)").fill("30")
    page.get_by_label("Lot number").fill("PD-2291")
    # Choosing the finding always sets the plan's lowest concentration, whatever the form held.
    page.locator("#f-concentration_percent").fill("1")
    region(page, "Left leg medial").click()
    assert page.locator("#f-concentration_percent").input_value() == "0.5"
    charted = 0
    rows = page.get_by_test_id("injections-table").locator("tbody tr:not(.no-print) td:first-child")
    for _ in range(10):
        region(page, "Left leg medial").click()
        page.locator("#f-concentration_percent").fill("1")
        with page.expect_response(lambda r: r.url.endswith("/injections")) as answer:
            page.get_by_role("button", name="Chart injection").click()
        if answer.value.status == 409:
            page.get_by_test_id("refusal").wait_for()
            break
        charted += 1
        expect(rows.last).to_have_text(str(charted))
    assert charted == 6
    refusal = page.get_by_test_id("refusal").inner_text().lower()
    assert "given" in refusal and "21 mg" in refusal and "20 mg" in refusal and "2 mg" in refusal
    assert page.get_by_label("Lot number").input_value() == "PD-2291"
    expect(page.get_by_label("Override with reason (physician)")).to_be_visible()
    assert page.get_by_test_id("tally-agent_mg").inner_text().count("18 mg") == 1
    meter = page.locator("[data-testid=tally-agent_mg] .meter").get_attribute("class") or ""
    assert "high" in meter  # 18 of 20 mg
    expect(
        page.get_by_test_id("injections-table").locator("tbody tr:not(.no-print)")
    ).to_have_count(6)
    screenshot(page, "session-dose-refused")
    assert axe_violations(page) == []

    page.get_by_label("Compression given").wait_for()
    assert "days" in page.get_by_label("Compression given").input_value()
    page.get_by_label("Aftercare instructions given and explained to the patient").check()
    page.get_by_role("button", name="Close session").click()
    expect(page.get_by_test_id("status")).to_have_text("Closed")
    screenshot(page, "session-closed")
    page.get_by_role("link", name="Aftercare sheet", exact=True).click()
    expect(
        page.get_by_role("heading", name="EMERGENCY SIGNS — get urgent care now")
    ).to_be_visible()
    assert "Chest pain" in page.locator("main").inner_text()
    screenshot(page, "aftercare-sheet")
    assert axe_violations(page) == []
