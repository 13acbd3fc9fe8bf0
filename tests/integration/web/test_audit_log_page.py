"""The audit view's patient filter copes with whatever is typed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sclero.core import auth
from tests.conftest import PASSWORD


@pytest.fixture
def admin(app: FastAPI, users: dict[str, auth.User]) -> Any:
    with TestClient(app) as client:
        client.get("/login")
        token = client.cookies["sclero_csrf"]
        signed = client.post(
            "/login",
            data={"username": "test-admin", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        yield client


@pytest.mark.parametrize("typed", ["²", "١٢", "12a", "-3", "9" * 30])
def test_a_patient_id_that_is_not_a_number_shows_all_entries_and_keeps_the_text(
    admin: TestClient, typed: str
) -> None:
    response = admin.get("/audit", params={"patient_id": typed})
    assert response.status_code == 200
    assert f'value="{typed}"' in response.text
    assert "<td>login</td>" in response.text  # unfiltered: the sign-in itself is listed


def test_a_numeric_patient_id_still_filters(admin: TestClient, pid: int) -> None:
    page = admin.get("/audit", params={"patient_id": str(pid)}).text
    assert f'href="/audit?patient_id={pid}"' in page
    assert "<td>login</td>" not in page  # a sign-in has no patient, so it is filtered out
