"""Patient search: typed marks are never wildcards; names are found the way staff type them."""

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


def test_a_name_with_an_underscore_is_found_marks_ignored(
    client: TestClient, headers: Headers
) -> None:
    desk = headers["front_desk"]
    client.post("/api/v1/patients", json={**PATIENT, "last_name": "Lo_pez"}, headers=desk)
    page = client.get("/api/v1/patients", params={"q": "lo_pe"}, headers=desk).json()
    assert [p["last_name"] for p in page["items"]] == ["Lo_pez"]


NAMES = [("Zoë", "Åberg"), ("Sean", "O'Brien"), ("Jürgen", "Müller"), ("Lucía", "García-Nuñez")]


@pytest.fixture
def registered(client: TestClient, headers: Headers) -> dict[str, int]:
    ids = {}
    for index, (first, last) in enumerate(NAMES):
        patient = {
            **PATIENT,
            "first_name": first,
            "last_name": last,
            "phone": f"+49 170 55501{index}",
        }
        response = client.post("/api/v1/patients", json=patient, headers=headers["front_desk"])
        assert response.status_code == 201, response.text
        ids[last] = response.json()["id"]
    return ids


def _found(client: TestClient, headers: Headers, **params: str) -> list[str]:
    response = client.get("/api/v1/patients", params=params, headers=headers["front_desk"])
    assert response.status_code == 200, response.text
    return [patient["last_name"] for patient in response.json()["items"]]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("zoe", ["Åberg"]),
        ("ZOË aberg", ["Åberg"]),
        ("obrien", ["O'Brien"]),
        ("o'brien", ["O'Brien"]),
        ("muller", ["Müller"]),
        ("MÜLLER jurgen", ["Müller"]),
        ("garcia", ["García-Nuñez"]),
        ("nunez", ["García-Nuñez"]),
        ("berg", ["Åberg"]),  # inside a word
        ("ller", ["Müller"]),
        ("mu", ["Müller"]),  # two letters: the start of a word
        ("ll", []),  # two letters inside a word: no
        ("zoe muller", []),  # every word must match the same patient
    ],
)
def test_names_are_found_the_way_staff_type_them(
    client: TestClient,
    headers: Headers,
    registered: dict[str, int],
    typed: str,
    expected: list[str],
) -> None:
    assert _found(client, headers, q=typed) == expected


def test_a_record_number_is_found_with_or_without_its_zeros(
    client: TestClient, headers: Headers, registered: dict[str, int]
) -> None:
    number = registered["Müller"]
    assert _found(client, headers, q=f"SC-{number:06d}") == ["Müller"]
    assert "Müller" in _found(client, headers, q=str(number))


def test_a_renamed_patient_is_found_by_the_new_name_only(
    client: TestClient, headers: Headers, registered: dict[str, int]
) -> None:
    patient_id = registered["O'Brien"]
    desk = headers["front_desk"]
    current = client.get(f"/api/v1/patients/{patient_id}", headers=desk)
    response = client.patch(
        f"/api/v1/patients/{patient_id}",
        json={"last_name": "Byrne"},
        headers={**desk, "If-Match": current.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    assert _found(client, headers, q="byrne") == ["Byrne"]
    assert _found(client, headers, q="obrien") == []


def test_phone_search_matches_digits_and_refuses_a_search_without_them(
    client: TestClient, headers: Headers, registered: dict[str, int]
) -> None:
    assert _found(client, headers, phone="555012") == ["Müller"]
    assert _found(client, headers, phone="(0)170 555-012") == []  # the 0 is a typed digit
    assert sorted(_found(client, headers, phone="+49 170")) == sorted(registered)
    response = client.get(
        "/api/v1/patients", params={"phone": "abc"}, headers=headers["front_desk"]
    )
    assert response.status_code == 422
    assert "digits" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("typed", ["\x00", "x\x00q", "'; --", "🙂"])
def test_odd_characters_neither_fail_nor_match_everyone(
    client: TestClient, headers: Headers, registered: dict[str, int], typed: str
) -> None:
    assert _found(client, headers, q=typed) == []
