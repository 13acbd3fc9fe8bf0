"""Signed-in page sessions: the real sign-in form (the login page sets the CSRF cookie the form
must echo), and forms posted with the CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD

Client = Callable[[str], TestClient]
"""signed_in(role) -> a page session of that role (the `signed_in` fixture)."""


def sign_in(client: TestClient, username: str) -> TestClient:
    """Sign in through the real form; the same client, now carrying the session cookie."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient) -> str:
    return str(client.cookies.get("sclero_csrf"))


def post(client: TestClient, url: str, data: dict[str, Any], htmx: bool = False) -> Any:
    """Post a form with the CSRF token, as the page (or its HTMX request) does."""
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        url, data={**data, "csrf_token": csrf(client)}, headers=headers, follow_redirects=False
    )


def form(client: TestClient, **fields: object) -> dict[str, object]:
    """Form fields with the CSRF token added."""
    return {"csrf_token": client.cookies["sclero_csrf"], **fields}


class Signed:
    """A TestClient signed in through the real sign-in form, posting forms with its CSRF token."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = sign_in(client, username)
        self.token = csrf(client)

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.token, **(data or {})}
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)


def version_in(html: str, action: str) -> str:
    """The hidden version of the form posting to `action` on a page ("" when it has none)."""
    start = html.find(f'action="{action}"')
    assert start >= 0, f"no form posts to {action}"
    end = html.find("</form>", start)
    found = re.search(r'name="version" value="(\d+)"', html[start:end])
    return found.group(1) if found else ""


def version_on(client: TestClient, page: str, action: str) -> str:
    """The hidden version of the form posting to `action` on `page`, as a user opening it sees."""
    return version_in(client.get(page).text, action)


def submit(signed: Signed, page: str, action: str, data: dict[str, Any] | None = None) -> Any:
    """Open `page`, then post its form to `action` with `data` and the form's hidden version, as
    a user filling that form does."""
    version = version_in(signed.get(page).text, action)
    return signed.post(action, {"version": version, **(data or {})})
