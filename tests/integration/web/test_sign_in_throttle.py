"""Sign-in throttling per account and per client address, kept in the database (every worker,
here a second app on the same database, sees it): 429 with Retry-After, audited with the client
address; X-Forwarded-For is believed only from a configured proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.app import create_app
from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.core.settings import get_settings
from tests.conftest import PASSWORD
from tests.factories.web import csrf

Maker = Callable[..., TestClient]


@pytest.fixture
def make_client(db: Database) -> Iterator[Maker]:
    """make_client(address, **settings): an app of its own (like another worker process) on the
    test's database, reached from `address`."""
    opened: list[TestClient] = []

    def make(address: str = "192.0.2.10", **settings: Any) -> TestClient:
        changed = get_settings().model_copy(update=settings)
        client = TestClient(create_app(changed, db, check_migrations=False), client=(address, 5000))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def sign_in(client: TestClient, username: str, password: str, **headers: str) -> Any:
    return client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}, headers=headers
    )


def entries(db: Database, action: str) -> list[AuditEntry]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_account_is_locked_after_its_failures_even_for_the_right_password(
    make_client: Maker, users: dict[str, auth.User], db: Database
) -> None:
    client = make_client()
    for _ in range(5):
        assert sign_in(client, "test-nurse", "wrong-password-1").status_code == 401
    locked = sign_in(client, "test-nurse", PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert locked.json()["errors"][0]["code"] == "too_many_sign_ins"
    # another worker on the same database, another address: the account is still locked
    assert sign_in(make_client("192.0.2.99"), "test-nurse", PASSWORD).status_code == 429
    failed = entries(db, "login_failed")
    assert len(failed) == 5
    assert {(e.username, e.role, e.address) for e in failed} == {
        ("anonymous", "anonymous", "192.0.2.10")
    }
    throttled = entries(db, "login_throttled")
    assert [e.address for e in throttled] == ["192.0.2.10", "192.0.2.99"]
    assert throttled[0].detail == {"username": "test-nurse"}


def test_an_address_trying_many_accounts_is_locked(
    make_client: Maker, users: dict[str, auth.User]
) -> None:
    client = make_client(sign_in_max_failures_address=3)
    for name in ("test-nurse", "test-physician", "nobody-at-all"):
        assert sign_in(client, name, "wrong-password-1").status_code == 401
    assert sign_in(client, "test-admin", PASSWORD).status_code == 429
    assert sign_in(make_client("192.0.2.20"), "test-admin", PASSWORD).status_code == 200


def test_a_good_sign_in_clears_the_account_count(
    make_client: Maker, users: dict[str, auth.User]
) -> None:
    client = make_client()
    for _ in range(4):
        sign_in(client, "test-nurse", "wrong-password-1")
    assert sign_in(client, "test-nurse", PASSWORD).status_code == 200
    for _ in range(4):
        assert sign_in(client, "test-nurse", "wrong-password-1").status_code == 401
    assert sign_in(client, "test-nurse", PASSWORD).status_code == 200


def test_the_sign_in_page_says_when_to_try_again(
    make_client: Maker, users: dict[str, auth.User]
) -> None:
    client = make_client(sign_in_max_failures_account=1)
    client.get("/login")
    form = {"username": "test-nurse", "password": "wrong-password-1", "csrf_token": csrf(client)}
    assert client.post("/login", data=form).status_code == 401
    page = client.post("/login", data={**form, "password": PASSWORD})
    assert page.status_code == 429 and "retry-after" in page.headers
    assert "Too many failed sign-ins" in page.text


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(
    make_client: Maker, users: dict[str, auth.User], db: Database
) -> None:
    forged = {"X-Forwarded-For": "203.0.113.7"}
    sign_in(make_client("127.0.0.1"), "test-nurse", "wrong-password-1", **forged)
    proxied = make_client("10.0.0.2", trusted_proxies=["10.0.0.0/8"])
    sign_in(
        proxied, "test-nurse", "wrong-password-1", **{"X-Forwarded-For": "203.0.113.9, 10.0.0.5"}
    )
    sign_in(proxied, "test-nurse", "wrong-password-1", **{"X-Forwarded-For": "not-an-address"})
    addresses = [e.address for e in entries(db, "login_failed")]
    assert addresses == ["127.0.0.1", "203.0.113.9", "10.0.0.2"]
