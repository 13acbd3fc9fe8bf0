"""Bounded request bodies: a 413 with the error body before anything is parsed or signed in,
whether the client declares the size or streams it (chunked); uploads have their own bound."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sclero.app import create_app
from sclero.core.settings import get_settings
from sclero.web.limits import BodyLimit
from tests.conftest import Headers
from tests.factories.follow_up import png
from tests.factories.web import Client, csrf

MB = 1024 * 1024


def too_large(response: Any) -> str:
    assert response.status_code == 413, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "too_large"
    return str(error["message"])


def test_a_huge_json_body_is_refused_before_sign_in(client: TestClient) -> None:
    body = b'{"first_name": "' + b"x" * (2 * MB) + b'"}'
    response = client.post(
        "/api/v1/patients", content=body, headers={"Content-Type": "application/json"}
    )
    assert "larger than 1 MB" in too_large(response)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_body_without_its_length_is_counted_as_it_arrives(
    client: TestClient, headers: Headers
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 64 * 1024  # 2.5 MB in all, never declared

    response = client.post(
        "/api/v1/patients",
        content=chunks(),
        headers={"Content-Type": "application/json", **headers["nurse"]},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    too_large(response)


def test_a_page_form_too_large_gets_the_error_page(signed_in: Client) -> None:
    nurse = signed_in("nurse")
    response = nurse.post(
        "/patients/new", data={"csrf_token": csrf(nurse), "first_name": "x" * (2 * MB)}
    )
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "larger than 1 MB" in response.text


@pytest.fixture
def small_uploads(db: Any) -> Iterator[TestClient]:
    settings = get_settings().model_copy(update={"max_upload_bytes": 64 * 1024})
    with TestClient(create_app(settings, db, check_migrations=False)) as client:
        yield client


def test_an_upload_past_its_bound_is_refused_while_it_arrives(
    small_uploads: TestClient, headers: Headers, patient_id: int
) -> None:
    def upload(content: bytes) -> Any:
        return small_uploads.post(
            f"/api/v1/patients/{patient_id}/photos",
            headers=headers["nurse"],
            files={"file": ("leg.png", io.BytesIO(content), "image/png")},
            data={"side": "left", "region": "leg_medial", "taken_on": date.today().isoformat()},
        )

    assert upload(png()).status_code == 201
    assert "larger than 64 kB" in too_large(upload(png() + b"\0" * 100 * 1024))


def test_a_declared_length_over_the_bound_is_refused_unread() -> None:
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append("app")

    async def receive() -> dict[str, Any]:
        reached.append("receive")
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/auth/token",
        "headers": [(b"content-length", b"200000000"), (b"content-type", b"application/json")],
    }
    # In a thread of its own: the browser tests' Playwright keeps an event loop in this one.
    middleware = BodyLimit(app, max_body=MB, max_upload=16 * MB)
    runner = threading.Thread(target=asyncio.run, args=(middleware(scope, receive, send),))
    runner.start()
    runner.join()
    assert reached == []
    assert sent[0]["status"] == 413 and b"too_large" in sent[1]["body"]
