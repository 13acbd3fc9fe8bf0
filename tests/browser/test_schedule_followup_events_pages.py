"""Scheduling, follow-up with photos, and adverse-event reporting — in real Chromium."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from sclero.demo.staff import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, page_poster, screenshot, sign_in
from tests.factories import charting
from tests.factories.follow_up import png


def api_token(page: Any, username: str) -> dict[str, str]:
    response = page.request.post(
        "/api/v1/auth/token", form={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.ok, response.text()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def treated_patient(page: Any, first_name: str) -> int:
    """A new patient with one closed session today on the left medial leg (via the JSON API)."""
    patient = {
        "first_name": first_name,
        "last_name": "Brenner",
        "birth_date": "1981-04-02",
        "sex": "female",
        "weight_kg": 64,
        "confirm_not_duplicate": True,  # every test registers its own Lotte Brenner on purpose
    }
    return charting.treated_patient(
        page_poster(page, api_token(page, "physician")),
        injections=2,
        patient=patient,
        signed_by=f"{first_name} Brenner",
    )


@pytest.fixture
def patient(page: Any) -> int:
    return treated_patient(page, "Lotte")


def test_book_a_follow_up_from_the_suggestion_and_see_it_in_the_week(
    page: Any, patient: int
) -> None:
    sign_in(page, "frontdesk")
    page.goto(f"/patients/{patient}/appointments")
    due = date.today() + timedelta(days=28)
    assert f"due {due:%d %b %Y}" in page.get_by_test_id("follow-up-due").inner_text()
    page.get_by_role("radio", name=re.compile("Follow-up visit")).check()
    starts = page.get_by_label("Date and time")
    assert starts.input_value() == f"{due.isoformat()}T09:00"
    page.get_by_label("Notes").fill("Bring the compression stockings")
    screenshot(page, "appointments-booking")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_role("status").first).to_have_text("Appointment booked.")
    upcoming = page.get_by_test_id("appointment").first
    assert f"{due:%a %d %b %Y}" in upcoming.inner_text()
    screenshot(page, "appointments-booked")

    page.get_by_role("link", name="Clinic calendar").click()
    page.get_by_label("Go to date").fill(due.isoformat())
    page.get_by_role("button", name="Show").click()
    day = page.locator(f"section[aria-labelledby='d-{due.isoformat()}']")
    link = day.get_by_role("link", name=re.compile("Brenner, Lotte"))
    expect(link.first).to_be_visible()
    assert "Follow-up visit" in day.inner_text()
    screenshot(page, "calendar-week")
    assert axe_violations(page) == []
    day.get_by_role("heading").get_by_role("link").click()
    assert f"view=day&start={due.isoformat()}" in page.url
    expect(page.get_by_role("link", name=re.compile("Brenner, Lotte")).first).to_be_visible()
    screenshot(page, "calendar-day")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Week", exact=True).click()
    page.get_by_role("navigation", name="Move through the calendar").get_by_role(
        "link", name="Today"
    ).click()
    expect(page.locator(".day-col.is-today")).to_have_count(1)
    screenshot(page, "calendar-this-week")


def test_a_session_too_soon_is_refused_beside_the_date_and_keeps_the_input(
    page: Any, patient: int
) -> None:
    sign_in(page, "nurse")
    page.goto(f"/patients/{patient}/appointments")
    page.get_by_role("radio", name=re.compile("Sclerotherapy session")).check()
    soon = date.today() + timedelta(days=3)
    page.get_by_label("Date and time").fill(f"{soon.isoformat()}T11:30")
    page.get_by_label("Leg medial").check()
    page.get_by_role("button", name="Book appointment").click()
    assert "physician may book it sooner" in page.locator("#e-starts_at").inner_text()
    assert page.get_by_label("Date and time").input_value() == f"{soon.isoformat()}T11:30"
    assert page.get_by_label("Leg medial").is_checked()
    screenshot(page, "appointments-interval-refused")
    assert axe_violations(page) == []


def test_record_a_follow_up_with_a_photo_and_see_it(page: Any, patient: int) -> None:
    sign_in(page, "nurse")
    page.goto(f"/patients/{patient}/follow-ups")
    page.get_by_role("radio", name=re.compile(r"Leg medial: level 3")).check()
    page.get_by_label("Patient satisfaction").select_option("5")
    page.get_by_label("More sessions needed").check()
    page.get_by_label("Notes").fill("Treated veins nearly gone; a few new spider veins.")
    screenshot(page, "follow-up-form")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record follow-up").click()
    expect(page.get_by_text("Follow-up recorded.")).to_be_visible()
    record = page.get_by_test_id("follow-up").first
    assert "Level 3 — 75–100 % gone" in record.inner_text()

    for days_ago, colour in ((30, (150, 52, 60)), (0, (236, 196, 190))):
        upload = page.locator("form.upload")
        upload.get_by_label("Photo (JPEG or PNG)").set_input_files(
            {"name": "leg.png", "mimeType": "image/png", "buffer": png(48, 32, colour)}
        )
        upload.get_by_label("Side").select_option("left")
        upload.get_by_label("Region").select_option("leg_medial")
        upload.get_by_label("Taken on").fill((date.today() - timedelta(days=days_ago)).isoformat())
        upload.get_by_role("button", name="Upload photo").click()
        expect(page.get_by_text("Photo kept.")).to_be_visible()
    site = page.get_by_test_id("photo-site").first
    assert "Before" in site.inner_text() and "After" in site.inner_text()
    for image in site.locator("img").all():
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.naturalWidth > 0", arg=image.element_handle())
        assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 48
    screenshot(page, "follow-up-recorded-with-photo")
    assert axe_violations(page) == []


def test_a_non_image_upload_is_refused_beside_the_file_field(page: Any, patient: int) -> None:
    sign_in(page, "physician")
    page.goto(f"/patients/{patient}/follow-ups")
    upload = page.locator("form.upload")
    upload.get_by_label("Photo (JPEG or PNG)").set_input_files(
        {"name": "leg.png", "mimeType": "image/png", "buffer": b"definitely not a picture"}
    )
    upload.get_by_label("Side").select_option("right")
    upload.get_by_label("Region").select_option("thigh_medial")
    upload.get_by_role("button", name="Upload photo").click()
    assert "Only JPEG or PNG" in page.locator("#e-file").inner_text()
    assert page.locator("form.upload").get_by_label("Region").input_value() == "thigh_medial"
    screenshot(page, "follow-up-photo-refused")
    assert axe_violations(page) == []


def test_report_chest_pain_and_see_the_urgent_alert(page: Any, patient: int) -> None:
    sign_in(page, "nurse")
    page.goto(f"/patients/{patient}/adverse-events")
    emergency = page.locator("aside.emergency")
    assert "Chest pain" in emergency.inner_text()
    screenshot(page, "adverse-events-form")
    assert axe_violations(page) == []
    page.get_by_label("Event type").select_option("proximal_dvt_pe")
    page.get_by_label("Severity").select_option("severe")
    page.get_by_label("Chest pain").check()
    page.get_by_label("Breathlessness / difficulty breathing").check()
    page.get_by_label("Management so far").fill("Ambulance called at 14:05.")
    page.get_by_role("button", name="Report adverse event").click()
    alert = page.get_by_test_id("urgent-alert")
    expect(alert).to_be_visible()
    assert "Send to urgent care now" in alert.inner_text()
    assert "possible pulmonary embolism" in alert.inner_text()
    expect(page.get_by_test_id("triage").first).to_have_text("Urgent care")
    screenshot(page, "adverse-events-urgent")
    assert axe_violations(page) == []


def test_a_physician_closes_an_event_with_its_outcome(page: Any, patient: int) -> None:
    sign_in(page, "physician")
    page.goto(f"/patients/{patient}/adverse-events")
    page.get_by_label("Event type").select_option("superficial_thrombosis")
    page.get_by_label("Severity").select_option("moderate")
    page.get_by_label("Painful hard lump along the vein").check()
    page.get_by_role("button", name="Report adverse event").click()
    event = page.get_by_test_id("event").first
    event.get_by_text("Close with outcome").click()
    event.get_by_label("Outcome").select_option("resolved")
    event.get_by_role("button", name="Close event").click()
    expect(page.get_by_test_id("event-status").first).to_have_text("Closed")
    screenshot(page, "adverse-events-closed")
    assert axe_violations(page) == []


def test_a_busy_day_shows_its_first_appointments_in_the_week_and_pages_in_the_day(
    page: Any,
) -> None:
    """The week shows each day's first 30 and links to the whole day; the day pages by 100."""
    sign_in(page, "frontdesk")
    busy = date.today() + timedelta(days=400)
    desk = page_poster(page, api_token(page, "frontdesk"))
    found = page.request.get("/api/v1/patients?limit=35", headers=desk.headers).json()
    ids = [p["id"] for p in found["items"]]
    assert len(ids) == 35
    for hour in (8, 11, 15):
        for n, patient in enumerate(ids):
            starts = f"{busy.isoformat()}T{hour:02d}:{n % 6 * 10:02d}"
            desk(f"/patients/{patient}/appointments", {"kind": "evaluation", "starts_at": starts})
    page.goto(f"/calendar?view=week&start={busy.isoformat()}")
    day = page.locator(f"section[aria-labelledby='d-{busy.isoformat()}']")
    expect(day.get_by_test_id("appointment")).to_have_count(30)
    more = day.get_by_role("link", name=re.compile(f"Show all 105 on {busy:%A}"))
    expect(more).to_be_visible()
    screenshot(page, "calendar-week-busy-day")
    assert axe_violations(page) == []
    more.click()
    expect(page.get_by_test_id("appointment")).to_have_count(100)
    pages = page.get_by_role("navigation", name=re.compile("Appointments of"))
    assert "1–100 of 105 appointments · page 1 of 2" in pages.inner_text()
    screenshot(page, "calendar-day-paged")
    assert axe_violations(page) == []
    pages.get_by_role("link", name=re.compile("Next")).click()
    expect(page.get_by_test_id("appointment")).to_have_count(5)
    assert "101–105 of 105" in pages.inner_text()
    screenshot(page, "calendar-day-page-2")
