"""Sign-in, role display, patient search and registration, the chart — in real Chromium."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot, sign_in


def test_sign_in_shows_the_role_and_today(page: Any) -> None:
    sign_in(page, "frontdesk")
    assert page.url.endswith("/today")
    expect(page.get_by_test_id("role")).to_have_text("Front desk")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    screenshot(page, "today-front-desk")
    assert axe_violations(page) == []


def test_a_wrong_password_is_refused_with_a_message(page: Any) -> None:
    sign_in(page, "nurse", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Unknown username or wrong password.")
    assert page.get_by_label("Username").input_value() == "nurse"
    screenshot(page, "login-refused")
    assert axe_violations(page) == []


def test_new_patient_form_keeps_input_and_shows_errors_beside_fields(page: Any) -> None:
    sign_in(page, "nurse")
    page.goto("/patients/new")
    page.get_by_label("First name").fill("Ilse")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("Birth date").fill("2999-01-01")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Register patient").click()
    assert "cannot be in the future" in page.locator("#e-birth_date").inner_text()
    assert page.get_by_label("First name").input_value() == "Ilse"
    screenshot(page, "new-patient-refused")
    assert axe_violations(page) == []
    page.get_by_label("Birth date").fill("1975-03-09")
    page.get_by_role("button", name="Register patient").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Novak, Ilse")
    screenshot(page, "chart-new-patient")
    assert axe_violations(page) == []


def test_patient_search_filters_as_you_type(page: Any) -> None:
    sign_in(page, "physician")
    page.goto("/patients")
    first = page.locator("#results tbody tr a").first.inner_text().split(",")[0]
    page.get_by_label("Name or record number").fill(first)
    page.wait_for_function(
        "q => [...document.querySelectorAll('#results tbody tr a')]"
        ".every(a => a.innerText.toLowerCase().includes(q))",
        arg=first.lower(),
    )
    assert f"q={first}" in page.url
    names = page.locator("#results tbody tr a").all_inner_texts()
    assert names and all(first.lower() in n.lower() for n in names)
    screenshot(page, "patients-search")
    assert axe_violations(page) == []


def test_admin_sees_the_audit_log_and_not_the_patients(page: Any) -> None:
    sign_in(page, "admin")
    assert page.url.endswith("/audit")
    assert [a.inner_text() for a in page.locator("header nav a").all()] == [
        "Audit log",
        "Staff",
        "Account",
    ]
    screenshot(page, "audit-log")
    assert axe_violations(page) == []
    response = page.goto("/patients")
    assert response.status == 403
    assert "may not" in page.locator("main").inner_text()


def test_front_desk_chart_hides_clinical_data(page: Any) -> None:
    sign_in(page, "frontdesk")
    page.goto("/patients")
    page.locator("#results tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Appointments")).to_be_visible()
    expect(page.get_by_role("heading", name="Screening")).to_have_count(0)
    expect(page.get_by_role("link", name="Evaluate")).to_have_count(0)
    screenshot(page, "chart-front-desk")


def test_physician_chart_shows_screening_and_timeline(page: Any) -> None:
    sign_in(page, "physician")
    page.goto("/patients")
    page.locator("#results tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Screening")).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    screenshot(page, "chart-physician")
    assert axe_violations(page) == []
