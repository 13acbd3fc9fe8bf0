"""Patient search matches the typed text literally."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.patients import PATIENT


@pytest.mark.parametrize("typed", ["%", "_", "\\"])
def test_a_wildcard_character_in_a_search_does_not_match_everyone(
    client: TestClient, headers: Headers, pid: int, typed: str
) -> None:
    page = client.get("/api/v1/patients", params={"q": typed}, headers=headers["front_desk"]).json()
    assert page["total"] == 0


def test_a_name_with_an_underscore_is_found_by_it(client: TestClient, headers: Headers) -> None:
    desk = headers["front_desk"]
    client.post("/api/v1/patients", json={**PATIENT, "last_name": "Lo_pez"}, headers=desk)
    page = client.get("/api/v1/patients", params={"q": "o_p"}, headers=desk).json()
    assert [p["last_name"] for p in page["items"]] == ["Lo_pez"]
