"""One patient through the whole pathway in the browser, by the staff who do each step:
register, evaluate (a contraindicated screening is refused a plan), map the veins on the body map,
plan and consent, chart a session until the dose guard refuses, close it, book the follow-up and
record it with a photo."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.factories.follow_up import png


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def register(page: Any, first: str, last: str) -> int:
    page.goto("/patients/new")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Birth date").fill("1981-09-14")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Weight (kg)").fill("15")  # light on purpose: a 30 mg session limit
    page.get_by_role("button", name="Register patient").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def evaluate(page: Any, pid: int, *conditions: str) -> str:
    page.goto(f"/patients/{pid}/evaluation")
    page.get_by_label("Pregnant: no").check()  # unanswered, the screening would defer
    page.get_by_label("Breastfeeding: no").check()
    for label in conditions:
        page.get_by_label(label).check()
    page.get_by_role("button", name="Save evaluation").click()
    page.wait_for_url(f"**/patients/{pid}")
    return str(page.get_by_test_id("decision").inner_text())


def region(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


def test_one_patient_from_registration_to_follow_up(page: Any) -> None:
    # Front desk registers the patient.
    sign_in(page, "frontdesk")
    pid = register(page, "Greta", "Pathway")
    sign_out(page)

    # The nurse evaluates: an acute DVT is a contraindication, and no plan can be made.
    sign_in(page, "nurse")
    assert evaluate(page, pid, "Acute deep vein thrombosis") == "Contraindicated"
    screenshot(page, "pathway-1-contraindicated")
    sign_out(page)
    sign_in(page, "physician")
    page.goto(f"/patients/{pid}/plan")
    page.get_by_role("button", name="Propose plan").click()
    assert "contraindicated" in page.get_by_role("alert").first.inner_text().lower()

    # The DVT was a mistake in the history: re-evaluated without it, the patient is eligible.
    page.goto(f"/patients/{pid}/evaluation")
    page.get_by_label("Acute deep vein thrombosis").uncheck()
    page.get_by_role("button", name="Save evaluation").click()
    page.wait_for_url(f"**/patients/{pid}")
    expect(page.get_by_test_id("decision")).to_have_text("Eligible")

    # Veins mapped on the body map: a reticular vein on the left inner calf.
    page.goto(f"/patients/{pid}/assessment")
    region(page, "Left leg medial").click()
    page.get_by_label("Diameter (mm)").fill("2")
    page.get_by_role("button", name="Add finding").click()
    assert "reticular" in page.get_by_test_id("notice").inner_text()
    screenshot(page, "pathway-2-assessment")

    # The physician proposes, approves; the patient signs consent.
    page.goto(f"/patients/{pid}/plan")
    page.get_by_role("button", name="Propose plan").click()
    page.wait_for_url("**/plans/*")
    page.get_by_role("button", name="Approve plan").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Approved")
    page.get_by_label("Patient's name (typed as signature)").fill("Greta Pathway")
    page.get_by_label("The patient confirms they understood").check()
    page.get_by_role("button", name="Record signed consent").click()
    expect(page.get_by_test_id("consent-signed")).to_contain_text("Greta Pathway")
    screenshot(page, "pathway-3-plan")

    # The session: checklist, then injections tapped on the map until the dose guard refuses.
    page.goto(f"/patients/{pid}/session/new")
    for box in page.locator("input[name=checklist]").all():
        box.check()
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url("**/sessions/*")
    region(page, "Left leg medial").click()
    page.get_by_label("Concentration (%)").fill("1")
    page.get_by_label("Volume (mL)").fill("0.3")
    page.get_by_label("Lot number").fill("LOT-7")
    answers = []
    for _ in range(12):
        region(page, "Left leg medial").click()  # sets the plan's lowest, 0.5 %: chart 1 %
        page.locator("#f-concentration_percent").fill("1")
        with page.expect_response(lambda r: r.url.endswith("/injections")) as answer:
            page.get_by_role("button", name="Chart injection").click()
        answers.append(answer.value.status)
        if answer.value.status == 409:
            break
        given = page.get_by_test_id("injections-table").locator("tbody tr:not(.no-print)")
        expect(given).to_have_count(len(answers))
    assert answers == [200] * 10 + [409]  # 10 × 3 mg = 30 mg: the 11th would exceed it
    refusal = page.get_by_test_id("refusal").inner_text()
    assert "33 mg" in refusal and "30 mg" in refusal
    screenshot(page, "pathway-4-dose-refused")
    page.get_by_label("Aftercare instructions given and explained to the patient").check()
    page.get_by_role("button", name="Close session").click()
    expect(page.get_by_test_id("status")).to_have_text("Closed")
    sign_out(page)

    # The front desk books the follow-up on the date the protocol suggests.
    sign_in(page, "frontdesk")
    page.goto(f"/patients/{pid}/appointments")
    due = date.today() + timedelta(days=28)
    page.get_by_role("radio", name=re.compile("Follow-up visit")).check()
    assert page.get_by_label("Date and time").input_value() == f"{due.isoformat()}T09:00"
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_role("status").first).to_have_text("Appointment booked.")
    sign_out(page)

    # The nurse records the follow-up with a photo of the treated site.
    sign_in(page, "nurse")
    page.goto(f"/patients/{pid}/follow-ups")
    page.get_by_role("radio", name=re.compile(r"Leg medial: level 3")).check()
    page.get_by_label("Patient satisfaction").select_option("4")
    page.get_by_label("No more sessions — treatment complete").check()
    page.get_by_role("button", name="Record follow-up").click()
    expect(page.get_by_text("Follow-up recorded.")).to_be_visible()
    upload = page.locator("form.upload")
    upload.get_by_label("Photo (JPEG or PNG)").set_input_files(
        {"name": "calf.png", "mimeType": "image/png", "buffer": png(40, 30, (200, 120, 120))}
    )
    upload.get_by_label("Side").select_option("left")
    upload.get_by_label("Region").select_option("leg_medial")
    upload.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("Photo kept.")).to_be_visible()
    screenshot(page, "pathway-5-follow-up")

    # The chart tells the whole story.
    page.goto(f"/patients/{pid}")
    timeline = page.get_by_role("region", name="Timeline").inner_text()
    for step in ("Medical evaluation", "Treatment plan", "Session", "Follow-up", "Photo"):
        assert step in timeline
    screenshot(page, "pathway-6-chart")
