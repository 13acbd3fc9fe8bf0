"""Every uploaded photo is decoded and re-encoded: its EXIF and GPS never stay with it, a
PNG-magic polyglot loses its script, a non-image is refused, and galleries get a thumbnail."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import Headers
from tests.factories.follow_up import PNG, png

GPS_IFD = 0x8825
SCRIPT = b"<script>alert(document.cookie)</script>"


def upload(client: TestClient, headers: Headers, patient_id: int, content: bytes) -> Any:
    return client.post(
        f"/api/v1/patients/{patient_id}/photos",
        headers=headers["nurse"],
        files={"file": ("leg.jpg", io.BytesIO(content), "image/jpeg")},
        data={"side": "left", "region": "leg_medial", "taken_on": date.today().isoformat()},
    )


def served(client: TestClient, headers: Headers, photo: Any, part: str = "") -> Any:
    response = client.get(f"/api/v1/photos/{photo.json()['id']}{part}", headers=headers["nurse"])
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    return response


def camera_jpeg() -> bytes:
    """A JPEG as a phone writes it: camera make, a GPS position, turned by EXIF orientation."""
    image = Image.new("RGB", (64, 32), (180, 90, 70))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_exif_and_gps_are_stripped_and_the_photo_is_upright(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    original = camera_jpeg()
    assert b"PhoneMaker" in original and Image.open(io.BytesIO(original)).getexif()
    photo = upload(client, headers, patient_id, original)
    assert photo.status_code == 201, photo.text
    kept = served(client, headers, photo).content
    assert b"PhoneMaker" not in kept and b"Exif" not in kept
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG" and not image.getexif()
    assert image.size == (32, 64)  # turned upright before the orientation tag went
    assert (photo.json()["width"], photo.json()["height"]) == (32, 64)


def test_a_polyglot_png_keeps_its_pixels_and_loses_its_script(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    text_chunk = b"\x00\x00\x00\x2ctEXtComment\x00" + SCRIPT[:32]  # length bytes not checked
    polyglot = png(8, 8) + SCRIPT + text_chunk
    photo = upload(client, headers, patient_id, polyglot)
    assert photo.status_code == 201, photo.text
    response = served(client, headers, photo)
    assert response.headers["content-type"] == "image/png"
    assert b"script" not in response.content
    assert Image.open(io.BytesIO(response.content)).getpixel((0, 0)) == (200, 60, 60)


def test_png_magic_that_is_no_image_is_refused(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    for content in (PNG, PNG + SCRIPT, b"\xff\xd8\xff" + SCRIPT):
        refused = upload(client, headers, patient_id, content)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "file"
    assert (
        client.get(f"/api/v1/patients/{patient_id}/photos", headers=headers["nurse"]).json() == []
    )


def test_a_gallery_thumbnail_is_small(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    photo = upload(client, headers, patient_id, png(1200, 600))
    assert photo.status_code == 201, photo.text
    thumb = served(client, headers, photo, "/thumbnail")
    assert Image.open(io.BytesIO(thumb.content)).size == (480, 240)
    full = served(client, headers, photo)
    assert Image.open(io.BytesIO(full.content)).size == (1200, 600)
