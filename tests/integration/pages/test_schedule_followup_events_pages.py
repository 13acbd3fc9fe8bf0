"""Pages of scheduling, follow-up and adverse events, driven through the web session and forms."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sclero.core import auth
from tests.conftest import PASSWORD, Headers
from tests.integration.api.test_pathway_api import (
    CHECKLIST,
    INTAKE,
    PATIENT,
    reticular_injection,
)

Client = Callable[[str], TestClient]


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 60, 60)) -> bytes:
    """A small but valid PNG image (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through the page form (GET /login for the CSRF cookie); the CSRF token."""
    client.get("/login")
    token = client.cookies["sclero_csrf"]
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return token


@pytest.fixture
def signed_in(app: FastAPI, users: dict[str, auth.User]) -> Callable[[str], TestClient]:
    """A browser-like client per role, signed in with a session cookie."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        client.headers["X-CSRF-Token"] = sign_in(client, f"test-{role}")
        return client

    yield make  # type: ignore[misc]
    for client in clients:
        client.close()


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies["sclero_csrf"], **fields}


@pytest.fixture
def patient_id(client: TestClient, headers: Headers) -> int:
    """A patient with one closed session today (left leg medial), through the JSON API."""
    doc, nurse = headers["physician"], headers["nurse"]
    pid = int(client.post("/api/v1/patients", json=PATIENT, headers=nurse).json()["id"])
    client.post(f"/api/v1/patients/{pid}/evaluations", json=INTAKE, headers=nurse)
    client.post(
        f"/api/v1/patients/{pid}/findings",
        headers=nurse,
        json={"side": "left", "region": "leg_medial", "diameter_mm": 2.0},
    )
    plan_id = client.post(f"/api/v1/patients/{pid}/plans", json={}, headers=doc).json()["id"]
    client.post(f"/api/v1/plans/{plan_id}/approve", headers=doc)
    client.post(
        f"/api/v1/plans/{plan_id}/consent",
        headers=nurse,
        json={"signed_by_name": "Maria Lopez", "patient_confirms_understanding": True},
    )
    session = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST}, headers=nurse
    )
    sid = session.json()["id"]
    client.post(f"/api/v1/sessions/{sid}/injections", json=reticular_injection(), headers=nurse)
    client.post(
        f"/api/v1/sessions/{sid}/close",
        headers=nurse,
        json={"compression_given": "Class 1 stockings", "aftercare_given": True},
    )
    return pid


def at(days: int, hour: int = 10) -> str:
    return f"{(date.today() + timedelta(days=days)).isoformat()}T{hour:02d}:00"


# --- scheduling -----------------------------------------------------------------------------


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
        data=form(desk, starts_at=at(30, 14)),
        follow_redirects=False,
    )
    assert moved.status_code == 303
    listing = desk.get(f"/patients/{patient_id}/appointments").text
    assert f"{date.today() + timedelta(days=30):%a %d %b %Y}</strong> 14:00" in listing


def test_cancelling_needs_a_reason_and_the_status_buttons_work(
    signed_in: Client, patient_id: int
) -> None:
    desk = signed_in("front_desk")
    first = book(desk, patient_id, 28)
    refused = desk.post(f"/appointments/{first}/status", data=form(desk, status="cancelled"))
    assert refused.status_code == 422
    assert f'id="c-e-reason-{first}"' in refused.text
    assert "Give a reason for the cancellation." in refused.text
    cancelled = desk.post(
        f"/appointments/{first}/status",
        data=form(desk, status="cancelled", reason="Patient unwell"),
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    listing = desk.get(f"/patients/{patient_id}/appointments").text
    assert "cancelled: Patient unwell" in listing and "<del>" in listing
    second = book(desk, patient_id, 0)
    desk.post(f"/appointments/{second}/status", data=form(desk, status="arrived"))
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


# --- follow-up ------------------------------------------------------------------------------


def test_a_follow_up_scores_each_treated_region_and_level_4_is_refused(
    signed_in: Client, patient_id: int, client: TestClient, headers: Headers
) -> None:
    nurse = signed_in("nurse")
    page = nurse.get(f"/patients/{patient_id}/follow-ups")
    assert page.status_code == 200
    assert 'name="level__left__leg_medial"' in page.text
    assert "75–100 % gone" in page.text and "&lt; 25 % gone" in page.text
    session_id = re.search(r'<option value="(\d+)" selected', page.text).group(1)  # type: ignore[union-attr]
    fields = {
        "session_id": session_id,
        "performed_on": date.today().isoformat(),
        "satisfaction": "4",
        "more_sessions_needed": "yes",
        "notes": "Some residual veins",
    }
    refused = nurse.post(
        f"/patients/{patient_id}/follow-ups",
        data=form(nurse, **fields, level__left__leg_medial="4"),
    )
    assert refused.status_code == 422
    assert 'id="e-level__left__leg_medial"' in refused.text
    assert "Choose a clearance level from 0" in refused.text
    assert "Some residual veins" in refused.text
    saved = client.get(f"/api/v1/patients/{patient_id}/follow-ups", headers=headers["nurse"])
    assert saved.json() == []

    recorded = nurse.post(
        f"/patients/{patient_id}/follow-ups",
        data=form(nurse, **fields, level__left__leg_medial="3"),
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    listing = nurse.get(recorded.headers["location"]).text
    assert "Follow-up recorded." in listing
    assert "1/1 region ≥ 75 % clear" in listing and "Level 3 — 75–100 % gone" in listing
    assert "Satisfaction 4/5" in listing and "More sessions needed" in listing


def test_the_clearance_partial_follows_the_chosen_session(
    signed_in: Client, patient_id: int
) -> None:
    nurse = signed_in("nurse")
    page = nurse.get(f"/patients/{patient_id}/follow-ups").text
    session_id = re.search(r'<option value="(\d+)" selected', page).group(1)  # type: ignore[union-attr]
    partial = nurse.get(
        f"/patients/{patient_id}/follow-ups/clearance?session_id={session_id}",
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200 and "<html" not in partial.text
    assert 'name="level__left__leg_medial"' in partial.text


def test_photos_upload_only_as_images_and_show_before_and_after(
    signed_in: Client, patient_id: int
) -> None:
    nurse = signed_in("nurse")
    meta = {"side": "left", "region": "leg_medial", "caption": "Medial calf"}
    refused = nurse.post(
        f"/patients/{patient_id}/photos",
        data=form(nurse, **meta, taken_on=date.today().isoformat()),
        files={"file": ("notes.txt", b"not an image at all", "image/png")},
    )
    assert refused.status_code == 422
    assert 'id="e-file"' in refused.text and "Only JPEG or PNG photos" in refused.text
    assert "Medial calf" in refused.text  # the typed caption is kept

    for days_ago, colour in ((30, (150, 40, 40)), (0, (230, 200, 200))):
        kept = nurse.post(
            f"/patients/{patient_id}/photos",
            data=form(
                nurse, **meta, taken_on=(date.today() - timedelta(days=days_ago)).isoformat()
            ),
            files={"file": ("leg.png", png(rgb=colour), "image/png")},
            follow_redirects=False,
        )
        assert kept.status_code == 303
    page = nurse.get(f"/patients/{patient_id}/follow-ups").text
    ids = re.findall(r'<img src="/photos/(\d+)"', page)
    assert len(ids) == 2 and ">Before</strong>" in page and ">After</strong>" in page
    image = nurse.get(f"/photos/{ids[0]}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"] == "private, no-store"
    assert image.content.startswith(b"\x89PNG")
    assert signed_in("front_desk").get(f"/photos/{ids[0]}").status_code == 403


# --- adverse events -------------------------------------------------------------------------


def report(client: TestClient, patient_id: int, **fields: object) -> str:
    data = {
        "event_type": "proximal_dvt_pe",
        "severity": "severe",
        "onset_date": date.today().isoformat(),
        "symptoms": ["chest_pain", "bruising"],
        **fields,
    }
    response = client.post(
        f"/patients/{patient_id}/adverse-events", data=form(client, **data), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_the_report_form_shows_the_emergency_signs_and_an_urgent_report_the_red_alert(
    signed_in: Client, patient_id: int
) -> None:
    nurse = signed_in("nurse")
    page = nurse.get(f"/patients/{patient_id}/adverse-events").text
    assert "Emergency signs" in page
    for sign in ("Chest pain", "Coughing blood", "Calf pain or swelling", "Visual disturbance"):
        assert sign in page
    assert "Proximal DVT / pulmonary embolism" in page  # the protocol catalogue's label
    after = nurse.get(report(nurse, patient_id)).text
    assert 'data-testid="urgent-alert"' in after and "Send to urgent care now" in after
    assert "possible pulmonary embolism" in after and "SEED-002" in after


def test_a_report_with_missing_fields_keeps_the_ticked_symptoms(
    signed_in: Client, patient_id: int
) -> None:
    nurse = signed_in("nurse")
    refused = nurse.post(
        f"/patients/{patient_id}/adverse-events",
        data=form(nurse, symptoms=["calf_pain_swelling"], onset_date="2999-01-01"),
    )
    assert refused.status_code == 422
    assert 'id="e-event_type"' in refused.text and 'id="e-severity"' in refused.text
    assert re.search(r'value="calf_pain_swelling"\s+checked', refused.text)
    future = nurse.post(
        f"/patients/{patient_id}/adverse-events",
        data=form(
            nurse, event_type="other", severity="mild", onset_date="2999-01-01", symptoms="itching"
        ),
    )
    assert future.status_code == 422 and "onset cannot be in the future" in future.text


def test_a_nurse_grades_but_only_a_physician_closes(signed_in: Client, patient_id: int) -> None:
    nurse = signed_in("nurse")
    report(nurse, patient_id, symptoms=["painful_lump"], event_type="superficial_thrombosis")
    page = nurse.get(f"/patients/{patient_id}/adverse-events").text
    event_id = re.search(r'id="event-(\d+)"', page).group(1)  # type: ignore[union-attr]
    assert f"/adverse-events/{event_id}/close" not in page
    graded = nurse.post(
        f"/adverse-events/{event_id}/update",
        data=form(nurse, severity="moderate", management="Drained, compression"),
        follow_redirects=False,
    )
    assert graded.status_code == 303
    closing = nurse.post(f"/adverse-events/{event_id}/close", data=form(nurse, outcome="resolved"))
    assert closing.status_code == 403

    doctor = signed_in("physician")
    missing = doctor.post(f"/adverse-events/{event_id}/close", data=form(doctor))
    assert missing.status_code == 422 and f'id="c-e-outcome-{event_id}"' in missing.text
    closed = doctor.post(
        f"/adverse-events/{event_id}/close",
        data=form(doctor, outcome="resolved"),
        follow_redirects=False,
    )
    assert closed.status_code == 303
    after = doctor.get(f"/patients/{patient_id}/adverse-events").text
    assert "Drained, compression" in after and ">Resolved</strong>" in after
    assert ">Closed<" in after and f"/adverse-events/{event_id}/close" not in after


def test_open_events_come_first(signed_in: Client, patient_id: int) -> None:
    doctor = signed_in("physician")
    report(doctor, patient_id, symptoms=["itching"], event_type="local_reaction")
    page = doctor.get(f"/patients/{patient_id}/adverse-events").text
    first = re.search(r'id="event-(\d+)"', page).group(1)  # type: ignore[union-attr]
    doctor.post(f"/adverse-events/{first}/close", data=form(doctor, outcome="resolved"))
    report(doctor, patient_id, symptoms=["bruising"], event_type="matting")
    page = doctor.get(f"/patients/{patient_id}/adverse-events").text
    statuses = re.findall(r'data-testid="event-status">(\w+)<', page)
    assert statuses == ["Open", "Closed"]
