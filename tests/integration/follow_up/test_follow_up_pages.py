"""The follow-up pages: clearance scored per treated region, photos before and after."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.follow_up import png
from tests.factories.web import Client, form


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
    assert "1/1 region 75–100 % gone" in listing and "Level 3 — 75–100 % gone" in listing
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
    ids = re.findall(r'<img src="/photos/(\d+)/thumbnail"', page)
    assert len(ids) == 2 and ">Before</strong>" in page and ">After</strong>" in page
    image = nurse.get(f"/photos/{ids[0]}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"] == "private, no-store"
    assert image.content.startswith(b"\x89PNG")
    assert signed_in("front_desk").get(f"/photos/{ids[0]}").status_code == 403
