"""Fixtures of the integration tests: page sessions signed in per role, and a registered patient.
A step's directory may override `patient_id` with the patient its pages need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sclero.core import auth
from tests.conftest import Headers
from tests.factories.patients import PATIENT
from tests.factories.web import Signed, csrf, sign_in

ANA = {
    "first_name": "Ana",
    "last_name": "Ferreira",
    "birth_date": "1980-02-11",
    "sex": "female",
    "weight_kg": 70,
}


@pytest.fixture
def pid(client: TestClient, headers: Headers) -> int:
    """Maria Lopez (PATIENT), registered by the front desk."""
    response = client.post("/api/v1/patients", json=PATIENT, headers=headers["front_desk"])
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def patient_id(client: TestClient, headers: Headers) -> int:
    """Ana Ferreira, registered by a nurse."""
    response = client.post("/api/v1/patients", json=ANA, headers=headers["nurse"])
    return int(response.json()["id"])


@pytest.fixture
def doctor(app: Any, users: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield sign_in(client, "test-physician")


@pytest.fixture
def nurse(app: Any, users: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield sign_in(client, "test-nurse")


@pytest.fixture
def signed(app: Any, users: dict[str, auth.User]) -> Iterator[Callable[[str], Signed]]:
    """Signed(role): a page session of that role that posts forms with its token."""
    clients: list[TestClient] = []

    def make(role: str) -> Signed:
        client = TestClient(app)
        clients.append(client)
        return Signed(client, users[role].username)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def signed_in(app: Any, users: dict[str, auth.User]) -> Iterator[Callable[[str], TestClient]]:
    """signed_in(role): a browser-like client signed in with a session cookie, whose HTMX-style
    requests carry the CSRF header."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        client.headers["X-CSRF-Token"] = csrf(sign_in(client, f"test-{role}"))
        return client

    yield make
    for client in clients:
        client.close()
