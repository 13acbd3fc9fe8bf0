"""One way to set data up through the JSON API: a `Post` sends a body as one signed-in user and
returns the answer's JSON, failing the test at once if the API refused. A change of a versioned
record carries `if_match`, the version read with `post.version(path)` (the ETag of a GET)."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi.testclient import TestClient


class Post(Protocol):
    def __call__(self, path: str, body: dict[str, Any], *, if_match: int | None = None) -> Any:
        """post(path under /api/v1, JSON body) -> the response's JSON."""

    def version(self, path: str) -> int:
        """The version (ETag) of the record at GET /api/v1{path}."""


def match(version: int | None) -> dict[str, str]:
    """The If-Match header for a change made on `version` (none for None)."""
    return {} if version is None else {"If-Match": f'"{version}"'}


def etag_of(response: Any) -> int:
    return int(response.headers["ETag"].strip('"'))


class poster:  # noqa: N801 (used like the function it replaces: poster(client, headers))
    """A Post through the in-process client with one user's headers."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def __call__(self, path: str, body: dict[str, Any], *, if_match: int | None = None) -> Any:
        sent = {**self.headers, **match(if_match)}
        response = self.client.post(f"/api/v1{path}", json=body, headers=sent)
        assert response.is_success, response.text
        return response.json()

    def version(self, path: str) -> int:
        response = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert response.is_success, response.text
        return etag_of(response)


def as_read(client: TestClient, path: str, headers: dict[str, str]) -> dict[str, str]:
    """`headers` with the If-Match of the record at GET /api/v1{path} as it stands now, for a
    test whose change is not about concurrency."""
    read = client.get(f"/api/v1{path}", headers=headers)
    assert read.is_success, read.text
    return {**headers, **match(etag_of(read))}
