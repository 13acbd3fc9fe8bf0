"""The patient's details: corrected on their own page (front desk and clinicians), shown on the
chart with the address and notes; a second registration of one name and birth date is a warning
the user must confirm."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.patients import PATIENT
from tests.factories.web import Signed, version_in

FORM = {"first_name": "Maria", "last_name": "Lopez", "birth_date": "1979-06-15", "sex": "female"}


def test_the_front_desk_corrects_the_details_and_the_chart_shows_address_and_notes(
    pid: int, signed: Callable[[str], Signed]
) -> None:
    desk = signed("front_desk")
    page = desk.get(f"/patients/{pid}/edit")
    assert page.status_code == 200 and 'value="Lopez"' in page.text
    version = version_in(page.text, f"/patients/{pid}/edit")
    details = {
        **FORM,
        "phone": "+1 555 0101",
        "address": "12 Harbour Lane\nPortsmouth",
        "notes": "Prefers morning visits",
        "version": version,
    }
    saved = desk.post(f"/patients/{pid}/edit", details)
    assert saved.status_code == 303, saved.text
    chart = signed("nurse").get(f"/patients/{pid}").text
    assert re.search(r'data-testid="address">12 Harbour Lane\nPortsmouth<', chart)
    assert 'data-testid="notes">Prefers morning visits<' in chart
    assert f'href="/patients/{pid}/edit"' in chart


def test_a_correction_keeps_what_was_typed_and_shows_the_other_change(
    pid: int, signed: Callable[[str], Signed]
) -> None:
    desk, nurse = signed("front_desk"), signed("nurse")
    url = f"/patients/{pid}/edit"
    desk_version, nurse_version = (
        version_in(desk.get(url).text, url),
        version_in(nurse.get(url).text, url),
    )
    assert (
        desk.post(url, {**FORM, "phone": "+1 555 0101", "version": desk_version}).status_code == 303
    )
    refused = nurse.post(url, {**FORM, "email": "maria@example.org", "version": nurse_version})
    assert refused.status_code == 412
    assert 'data-testid="conflict"' in refused.text and "+1 555 0101" in refused.text
    assert 'value="maria@example.org"' in refused.text  # what the nurse typed is kept
    blanked = desk.post(url, {**FORM, "last_name": "", "version": version_in(refused.text, url)})
    assert blanked.status_code == 422 and "cannot be removed" in blanked.text


def test_the_same_name_and_birth_date_twice_needs_a_confirmation(
    client: TestClient, headers: Headers, pid: int, signed: Callable[[str], Signed]
) -> None:
    desk = signed("front_desk")
    again = desk.post("/patients/new", {**FORM, "first_name": "MARIA"})
    assert again.status_code == 409
    assert (
        'data-testid="duplicate-warning"' in again.text and f'href="/patients/{pid}"' in again.text
    )
    assert 'value="MARIA"' in again.text  # what was typed is kept
    confirmed = desk.post("/patients/new", {**FORM, "confirm_not_duplicate": "true"})
    assert confirmed.status_code == 303
    api = client.post("/api/v1/patients", json=PATIENT, headers=headers["front_desk"])
    assert api.status_code == 409
    error = api.json()["errors"][0]
    assert error["code"] == "possible_duplicate" and error["detail"]["patients"][0]["id"] == pid
    sure = {**PATIENT, "confirm_not_duplicate": True}
    assert (
        client.post("/api/v1/patients", json=sure, headers=headers["front_desk"]).status_code == 201
    )
