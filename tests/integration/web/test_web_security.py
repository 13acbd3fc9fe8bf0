"""Pages: sign-in with a session cookie, CSRF on every form, no open redirect, escaped output."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sclero.core import auth
from tests.conftest import PASSWORD


def csrf(client: TestClient) -> str:
    client.get("/login")
    return client.cookies["sclero_csrf"]


def test_sign_in_sets_an_http_only_session_and_goes_to_today(
    client: TestClient, users: dict[str, auth.User]
) -> None:
    token = csrf(client)
    response = client.post(
        "/login",
        data={"username": "test-nurse", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/today"
    assert "HttpOnly" in response.headers["set-cookie"]
    assert client.get("/today").status_code == 200


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, users: dict[str, auth.User]
) -> None:
    csrf(client)
    response = client.post("/login", data={"username": "test-nurse", "password": PASSWORD})
    assert response.status_code == 403
    assert "Reload the page" in response.text


def test_a_planted_unsigned_csrf_cookie_is_refused(
    client: TestClient, users: dict[str, auth.User]
) -> None:
    client.cookies.set("sclero_csrf", "attacker-chosen")
    response = client.post(
        "/login",
        data={"username": "test-nurse", "password": PASSWORD, "csrf_token": "attacker-chosen"},
    )
    assert response.status_code == 403


def test_sign_in_never_redirects_off_site(client: TestClient, users: dict[str, auth.User]) -> None:
    token = csrf(client)
    response = client.post(
        "/login",
        data={
            "username": "test-nurse",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/today"


def test_pages_redirect_to_sign_in_and_escape_patient_text(
    client: TestClient, users: dict[str, auth.User]
) -> None:
    response = client.get("/patients", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/patients"
    token = csrf(client)
    client.post(
        "/login", data={"username": "test-front_desk", "password": PASSWORD, "csrf_token": token}
    )
    created = client.post(
        "/patients/new",
        data={
            "first_name": "<script>alert(1)</script>",
            "last_name": "Doe",
            "birth_date": "1970-01-01",
            "sex": "female",
            "csrf_token": token,
        },
    )
    assert created.status_code == 200
    assert "<script>alert(1)</script>" not in created.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in created.text
