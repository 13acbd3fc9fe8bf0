"""Pages run under the strict Content-Security-Policy in real Chromium (the `page` fixture fails
a test on any CSP report): the API docs from the vendored Swagger UI, the booking form's script."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import page_poster, sign_in
from tests.factories.patients import PATIENT


def test_the_api_docs_work_offline_under_the_csp(page: Any, live_server: str) -> None:
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else elsewhere.append(r.url))
    page.goto("/docs")
    page.get_by_role("button", name=re.compile("Authorize")).wait_for()
    expect(page.get_by_text("/api/v1/patients", exact=True).first).to_be_visible()
    assert elsewhere == []  # no CDN, no outside validator


def test_booking_shows_the_session_fields_only_for_a_session(page: Any) -> None:
    sign_in(page, "frontdesk")
    patient = page_poster(page)("/patients", PATIENT)
    page.goto(f"/patients/{patient['id']}/appointments")
    regions = page.get_by_role("group", name="Regions to treat (session)")
    page.get_by_role("radio", name=re.compile("Follow-up visit")).check()
    expect(regions).to_be_hidden()
    page.get_by_role("radio", name=re.compile("Sclerotherapy session")).check()
    expect(regions).to_be_visible()
    assert page.get_by_label("Date and time").input_value() != ""
