"""The vein assessment pages through a signed-in page session: the body map, findings, duplex."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.core.db import Database
from sclero.rules.vocabulary import Region
from tests.factories.web import post, sign_in, version_in

LEG_REGIONS = [r.value for r in Region if r.value not in {"face", "other"}]


def count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_map_has_every_region_for_both_sides(doctor: TestClient, patient_id: int) -> None:
    page = doctor.get(f"/patients/{patient_id}/assessment")
    assert page.status_code == 200
    for side in ("left", "right"):
        for code in [*LEG_REGIONS, "face"]:
            assert f'data-testid="region-{side}-{code}"' in page.text, (side, code)
    assert 'aria-label="Left thigh anterior"' in page.text
    assert 'aria-label="Right leg posterior (calf)"' in page.text
    assert "physician decides" in page.text.lower()
    assert '<option value="other"' in page.text  # 'other' via the table form only


def test_a_map_link_pre_fills_the_form_without_javascript(
    doctor: TestClient, patient_id: int
) -> None:
    page = doctor.get(f"/patients/{patient_id}/assessment?side=right&region=knee_posterior")
    assert re.search(r'<option value="right"\s+selected', page.text)
    assert re.search(r'<option value="knee_posterior"\s+selected', page.text)


def test_adding_a_finding_derives_its_type_and_draws_it(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    data = {"side": "left", "region": "thigh_anterior", "diameter_mm": "2", "colour": "blue"}
    response = post(doctor, f"/patients/{patient_id}/findings", data, htmx=True)
    assert response.status_code == 200
    assert "Added: Left thigh anterior — reticular (derived from 2 mm)." in response.text
    assert re.search(r'data-testid="region-left-thigh_anterior" data-findings="1"', response.text)
    with db.sessions() as s:
        finding = s.scalars(select(VeinFinding)).one()
    assert (finding.vein_type, finding.vein_type_derived) == ("reticular", True)
    plain = post(doctor, f"/patients/{patient_id}/findings", {**data, "diameter_mm": "0.5"})
    assert plain.status_code == 303
    page = doctor.get(plain.headers["location"])
    assert page.text.count("(derived)") == 2 and "Telangiectasia" in page.text


def test_a_bad_diameter_keeps_the_input_shows_the_error_and_saves_nothing(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    data = {"side": "right", "region": "leg_lateral", "diameter_mm": "45", "notes": "cluster"}
    response = post(doctor, f"/patients/{patient_id}/findings", data, htmx=True)
    assert response.status_code == 422
    assert response.headers["X-Sclero-Partial"] == "1"
    assert 'id="e-diameter_mm"' in response.text and "30" in response.text
    assert 'value="45"' in response.text and ">cluster</textarea>" in response.text
    assert re.search(r'<option value="leg_lateral"\s+selected', response.text)
    assert count(db, VeinFinding) == 0


def test_a_finding_can_be_edited_and_retired(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    data = {"side": "left", "region": "foot", "diameter_mm": "0.4"}
    post(doctor, f"/patients/{patient_id}/findings", data)
    with db.sessions() as s:
        fid = s.scalars(select(VeinFinding.id)).one()
    form = doctor.get(f"/patients/{patient_id}/assessment?edit={fid}")
    assert f'action="/findings/{fid}/edit"' in form.text and 'value="0.4"' in form.text
    version = version_in(form.text, f"/findings/{fid}/edit")
    edited = post(
        doctor, f"/findings/{fid}/edit", {**data, "diameter_mm": "4", "version": version}, htmx=True
    )
    assert "Saved: Left foot." in edited.text and "Varicose" in edited.text
    version = version_in(edited.text, f"/findings/{fid}/retire")
    retired = post(doctor, f"/findings/{fid}/retire", {"version": version}, htmx=True)
    assert "Retired: Left foot." in retired.text
    assert "Retired findings (1)" in retired.text
    assert 'data-testid="region-left-foot"' in retired.text
    assert 'data-testid="region-left-foot" data-findings="0"' in retired.text
    with db.sessions() as s:
        assert s.get(VeinFinding, fid).active is False  # type: ignore[union-attr]


def test_duplex_results_are_recorded_and_listed(
    doctor: TestClient, patient_id: int, db: Database
) -> None:
    bad = post(doctor, f"/patients/{patient_id}/duplex", {"saphenous_reflux": "1"})
    assert bad.status_code == 422 and 'id="de-performed_on"' in bad.text
    assert count(db, DuplexFinding) == 0
    data = {"performed_on": "2025-01-15", "saphenous_reflux": "1", "notes": "GSV reflux"}
    ok = post(doctor, f"/patients/{patient_id}/duplex", data)
    assert ok.status_code == 303
    page = doctor.get(f"/patients/{patient_id}/assessment")
    assert "15 Jan 2025" in page.text and "GSV reflux" in page.text and "Reflux" in page.text


def test_front_desk_may_not_open_the_assessment(app: Any, users: Any, patient_id: int) -> None:
    with TestClient(app) as client:
        sign_in(client, "test-front_desk")
        assert client.get(f"/patients/{patient_id}/assessment").status_code == 403
