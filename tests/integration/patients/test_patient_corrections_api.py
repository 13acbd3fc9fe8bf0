"""A patient correction may not blank a required field, and checks the birth date like a new one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import as_read
from tests.factories.patients import PATIENT


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize("field", ["first_name", "last_name", "birth_date", "sex"])
def test_a_required_patient_field_cannot_be_set_to_null(
    client: TestClient, headers: Headers, pid: int, field: str
) -> None:
    response = client.patch(
        f"/api/v1/patients/{pid}", json={field: None}, headers=headers["front_desk"]
    )
    assert response.status_code == 422, response.text
    assert "cannot be removed" in errors_of(response)[field]
    kept = client.get(f"/api/v1/patients/{pid}", headers=headers["front_desk"]).json()
    assert kept[field] == PATIENT[field]


@pytest.mark.parametrize(
    ("birth_date", "words"), [("2999-01-01", "future"), ("1850-01-01", "before 1900")]
)
def test_a_corrected_birth_date_is_checked_like_a_new_one(
    client: TestClient, headers: Headers, pid: int, birth_date: str, words: str
) -> None:
    response = client.patch(
        f"/api/v1/patients/{pid}", json={"birth_date": birth_date}, headers=headers["nurse"]
    )
    assert response.status_code == 422
    assert words in errors_of(response)["birth_date"]


def test_optional_fields_may_still_be_cleared(
    client: TestClient, headers: Headers, pid: int
) -> None:
    response = client.patch(
        f"/api/v1/patients/{pid}",
        json={"weight_kg": None},
        headers=as_read(client, f"/patients/{pid}", headers["nurse"]),
    )
    assert response.status_code == 200 and response.json()["weight_kg"] is None
