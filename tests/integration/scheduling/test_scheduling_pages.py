"""The appointment pages: protocol dates offered, the interval guard, rescheduling, the calendar."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.clock import Clock
from tests.factories.web import Client, form, version_on


def at(days: int, hour: int = 10) -> str:
    return f"{(date.today() + timedelta(days=days)).isoformat()}T{hour:02d}:00"


def test_appointments_page_offers_the_protocol_dates_and_books_a_follow_up(
    signed_in: Client, patient_id: int
) -> None:
    desk = signed_in("front_desk")
    page = desk.get(f"/patients/{patient_id}/appointments")
    assert page.status_code == 200
    due = date.today() + timedelta(days=28)
    assert f"Follow-up due {due:%d %b %Y}" in page.text
    assert f"Next session not before {due:%d %b %Y}" in page.text
    assert f"{due.isoformat()}T09:00" in page.text  # the pre-fill offered when the kind is chosen
    assert "interval_override_reason" not in page.text  # only physicians see the override field
    booked = desk.post(
        f"/patients/{patient_id}/appointments",
        data=form(desk, kind="follow_up", starts_at=at(28), duration_minutes="20", notes="Photos"),
        follow_redirects=False,
    )
    assert booked.status_code == 303
    listing = desk.get(booked.headers["location"])
    assert "Appointment booked." in listing.text
    assert "Follow-up visit" in listing.text and "Photos" in listing.text


def test_a_session_sooner_than_the_interval_is_refused_and_the_form_keeps_the_input(
    signed_in: Client, patient_id: int, client: TestClient, headers: Headers
) -> None:
    nurse = signed_in("nurse")
    refused = nurse.post(
        f"/patients/{patient_id}/appointments",
        data=form(
            nurse,
            kind="session",
            starts_at=at(3),
            duration_minutes="45",
            regions="leg_medial",
            notes="Wants it before her holiday",
            interval_override_reason="Nurses cannot override",
        ),
    )
    assert refused.status_code == 409
    assert 'id="e-starts_at"' in refused.text and "physician may book it sooner" in refused.text
    assert f'value="{at(3)}"' in refused.text
    assert 'value="45"' in refused.text
    assert "Wants it before her holiday" in refused.text
    assert re.search(r'value="leg_medial"\s+checked', refused.text)
    saved = client.get(f"/api/v1/patients/{patient_id}/appointments", headers=headers["nurse"])
    assert saved.json() == []


def test_a_physician_books_a_session_sooner_with_a_written_reason(
    signed_in: Client, patient_id: int
) -> None:
    doctor = signed_in("physician")
    page = doctor.get(f"/patients/{patient_id}/appointments")
    assert 'name="interval_override_reason"' in page.text
    booked = doctor.post(
        f"/patients/{patient_id}/appointments",
        data=form(
            doctor,
            kind="session",
            starts_at=at(5),
            duration_minutes="45",
            interval_override_reason="Small residual area, patient travelling abroad",
        ),
        follow_redirects=False,
    )
    assert booked.status_code == 303
    listing = doctor.get(f"/patients/{patient_id}/appointments").text
    assert "Interval override" in listing and "patient travelling abroad" in listing


def book(client: TestClient, patient_id: int, days: int = 28) -> int:
    client.post(
        f"/patients/{patient_id}/appointments",
        data=form(client, kind="follow_up", starts_at=at(days), duration_minutes="30"),
    )
    found = re.findall(
        r'id="appointment-(\d+)"', client.get(f"/patients/{patient_id}/appointments").text
    )
    return int(found[0])


def on_page(client: TestClient, patient_id: int, appointment: int, form: str = "reschedule") -> str:
    """The version in the appointment's `form` on the patient's appointments page."""
    page = f"/patients/{patient_id}/appointments"
    return version_on(client, page, f"/appointments/{appointment}/{form}")


def test_reschedule_moves_the_appointment_and_a_bad_date_is_shown_beside_the_field(
    signed_in: Client, patient_id: int
) -> None:
    desk = signed_in("front_desk")
    appointment = book(desk, patient_id)
    bad = desk.post(
        f"/appointments/{appointment}/reschedule", data=form(desk, starts_at="next tuesday")
    )
    assert bad.status_code == 422
    assert f'id="r-e-starts-{appointment}"' in bad.text and "next tuesday" in bad.text
    moved = desk.post(
        f"/appointments/{appointment}/reschedule",
        data=form(desk, starts_at=at(30, 14), version=on_page(desk, patient_id, appointment)),
        follow_redirects=False,
    )
    assert moved.status_code == 303
    listing = desk.get(f"/patients/{patient_id}/appointments").text
    assert f"{date.today() + timedelta(days=30):%a %d %b %Y}</strong> 14:00" in listing


def test_cancelling_needs_a_reason_and_the_status_buttons_work(
    signed_in: Client, patient_id: int, clock: Clock
) -> None:
    # Today's 10:00 is booked below: it is still ahead at 08:00, whenever the suite runs.
    clock.now = datetime.combine(date.today(), time(8)).astimezone(UTC)
    desk = signed_in("front_desk")
    first = book(desk, patient_id, 28)
    refused = desk.post(f"/appointments/{first}/status", data=form(desk, status="cancelled"))
    assert refused.status_code == 422
    assert f'id="c-e-reason-{first}"' in refused.text
    assert "Give a reason for the cancellation." in refused.text
    cancelled = desk.post(
        f"/appointments/{first}/status",
        data=form(
            desk,
            status="cancelled",
            reason="Patient unwell",
            version=on_page(desk, patient_id, first, "status"),
        ),
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    listing = desk.get(f"/patients/{patient_id}/appointments").text
    assert "cancelled: Patient unwell" in listing and "<del>" in listing
    second = book(desk, patient_id, 0)
    version = on_page(desk, patient_id, second, "status")
    desk.post(f"/appointments/{second}/status", data=form(desk, status="arrived", version=version))
    assert ">Arrived<" in desk.get(f"/patients/{patient_id}/appointments").text


def test_the_calendar_file_downloads_with_the_web_session(
    signed_in: Client, patient_id: int
) -> None:
    desk = signed_in("front_desk")
    book(desk, patient_id)
    response = desk.get(f"/patients/{patient_id}/appointments.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    assert "BEGIN:VCALENDAR" in response.text and "SUMMARY:Follow-up visit" in response.text


def test_day_and_week_calendar_list_the_booked_appointment(
    signed_in: Client, patient_id: int
) -> None:
    desk = signed_in("front_desk")
    book(desk, patient_id, 28)
    day = date.today() + timedelta(days=28)
    week = desk.get(f"/calendar?view=week&start={day.isoformat()}")
    assert week.status_code == 200
    monday = day - timedelta(days=day.weekday())
    assert f"week of {monday:%d %b}" in week.text
    assert f'href="/patients/{patient_id}/appointments">Lopez, Maria' in week.text
    assert f"start={(monday - timedelta(days=7)).isoformat()}" in week.text  # previous week
    one_day = desk.get(f"/calendar?view=day&start={day.isoformat()}")
    assert "Lopez, Maria" in one_day.text and "Follow-up visit" in one_day.text
    other_day = desk.get(f"/calendar?view=day&start={(day + timedelta(days=1)).isoformat()}")
    assert "Lopez, Maria" not in other_day.text
    assert "showing today" in desk.get("/calendar?start=31-12-2025").text


def test_pages_need_a_session_and_the_right_role(
    client: TestClient, signed_in: Client, patient_id: int
) -> None:
    response = client.get(f"/patients/{patient_id}/appointments", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    desk = signed_in("front_desk")
    assert desk.get(f"/patients/{patient_id}/follow-ups").status_code == 403
    assert desk.get(f"/patients/{patient_id}/adverse-events").status_code == 403
    assert signed_in("admin").get("/calendar").status_code == 403
