"""The adverse-event pages: the report form with the emergency signs, grading and closing."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from tests.factories.web import Client, form, version_in


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
        data=form(
            nurse,
            severity="moderate",
            management="Drained, compression",
            version=version_in(page, f"/adverse-events/{event_id}/update"),
        ),
        follow_redirects=False,
    )
    assert graded.status_code == 303
    closing = nurse.post(f"/adverse-events/{event_id}/close", data=form(nurse, outcome="resolved"))
    assert closing.status_code == 403

    doctor = signed_in("physician")
    missing = doctor.post(f"/adverse-events/{event_id}/close", data=form(doctor))
    assert missing.status_code == 422 and f'id="c-e-outcome-{event_id}"' in missing.text
    page = doctor.get(f"/patients/{patient_id}/adverse-events").text
    closed = doctor.post(
        f"/adverse-events/{event_id}/close",
        data=form(
            doctor,
            outcome="resolved",
            version=version_in(page, f"/adverse-events/{event_id}/close"),
        ),
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
    version = version_in(page, f"/adverse-events/{first}/close")
    doctor.post(
        f"/adverse-events/{first}/close", data=form(doctor, outcome="resolved", version=version)
    )
    report(doctor, patient_id, symptoms=["bruising"], event_type="matting")
    page = doctor.get(f"/patients/{patient_id}/adverse-events").text
    statuses = re.findall(r'data-testid="event-status">(\w+)<', page)
    assert statuses == ["Open", "Closed"]
