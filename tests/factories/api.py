"""One way to set data up through the JSON API: a `Post` sends a body as one signed-in user and
returns the answer's JSON, failing the test at once if the API refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Post = Callable[[str, dict[str, Any]], Any]
"""post(path under /api/v1, JSON body) -> the response's JSON."""


def poster(client: TestClient, headers: dict[str, str]) -> Post:
    """A Post through the in-process client with one user's headers."""

    def post(path: str, body: dict[str, Any]) -> Any:
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.is_success, response.text
        return response.json()

    return post
