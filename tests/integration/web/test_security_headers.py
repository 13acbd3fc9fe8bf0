"""Every answer carries the security headers: a strict CSP, no framing or sniffing, no referrer,
no caching of pages or API answers (patient data), HSTS when cookies are secure; /docs is the
vendored Swagger UI that runs under that CSP."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from sclero.app import create_app
from sclero.core.settings import get_settings
from tests.conftest import Headers
from tests.factories.web import Client

STRICT = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def assert_strict(response: Any, *, cached: bool = False) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for name, value in STRICT.items():
        assert response.headers[name] == value, name
    if cached:
        assert "cache-control" not in response.headers
    else:
        assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # plain HTTP by default


def test_a_page_with_patient_data_is_not_cached_nor_framed(
    signed_in: Client, patient_id: int
) -> None:
    response = signed_in("nurse").get(f"/patients/{patient_id}")
    assert response.status_code == 200
    assert_strict(response)


def test_an_api_answer_and_a_refusal_carry_the_headers(
    client: TestClient, headers: Headers, patient_id: int
) -> None:
    answer = client.get(f"/api/v1/patients/{patient_id}", headers=headers["nurse"])
    assert answer.status_code == 200
    assert_strict(answer)
    refused = client.get(f"/api/v1/patients/{patient_id}")
    assert refused.status_code == 401
    assert_strict(refused)


def test_static_assets_may_be_cached(client: TestClient) -> None:
    response = client.get("/static/sclero.css")
    assert response.status_code == 200
    assert_strict(response, cached=True)


def test_the_api_docs_load_only_vendored_files(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert_strict(page)
    assert "<script>" not in page.text and "cdn" not in page.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN


def test_hsts_only_when_cookies_are_secure(db: Any) -> None:
    settings = get_settings().model_copy(update={"secure_cookies": True})
    with TestClient(create_app(settings, db, check_migrations=False)) as client:
        response = client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
