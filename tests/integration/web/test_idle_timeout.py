"""A sign-in unused for the idle timeout (30 minutes) or older than its lifetime (12 hours)
ends, for page cookies and API tokens alike, on every worker (here: two apps on one database),
with a clear answer and one audit entry. The last use is written at most once a minute, so
most requests only read. The clock is moved by hand (`clock`), nothing sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from sclero.app import create_app
from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.web.deps import SESSION_COOKIE, safe_next
from tests.conftest import PASSWORD
from tests.factories.clock import Clock
from tests.factories.web import csrf, sign_in

Worker = Callable[..., TestClient]


@pytest.fixture
def worker(db: Database) -> Iterator[Worker]:
    """worker(**settings): an app of its own on the test's database, like another process."""
    opened: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        changed = get_settings().model_copy(update=settings)
        client = TestClient(create_app(changed, db, check_migrations=False))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def api_token(client: TestClient, username: str = "test-nurse") -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def timeouts(db: Database) -> list[AuditEntry]:
    with db.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "logout").order_by(AuditEntry.id)
        return [e for e in session.scalars(query) if (e.detail or {}).get("reason")]


@pytest.fixture
def token_writes(db: Database) -> Iterator[list[str]]:
    """Every UPDATE of auth_tokens the database receives during the test."""
    seen: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE AUTH_TOKENS"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    yield seen
    event.remove(db.engine, "before_cursor_execute", watch)


def test_an_api_token_ends_after_30_minutes_unused_on_every_worker(
    worker: Worker, users: dict[str, auth.User], db: Database, clock: Clock
) -> None:
    one, two = worker(), worker()
    token = api_token(one)
    clock.advance(minutes=25)
    assert one.get("/api/v1/auth/me", headers=token).status_code == 200  # use recorded
    clock.advance(minutes=25)  # 50 minutes since sign-in, 25 since the last use
    assert two.get("/api/v1/auth/me", headers=token).status_code == 200  # the other worker knows
    clock.advance(minutes=30)
    refused = two.get("/api/v1/auth/me", headers=token)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["errors"] == [
        {
            "code": "signed_out",
            "field": None,
            "message": "Signed out after 30 minutes of inactivity. Sign in again.",
        }
    ]
    assert one.get("/api/v1/auth/me", headers=token).json() == refused.json()  # and stays so
    clock.advance(minutes=1)
    assert one.get("/api/v1/patients", headers=token).status_code == 401
    (entry,) = timeouts(db)  # audited once, by the worker that saw it first
    assert (entry.username, entry.role, entry.entity_id) == (
        "test-nurse",
        "nurse",
        users["nurse"].id,
    )
    assert entry.detail == {"reason": "idle", "kind": "api", "idle_minutes": 30}
    assert one.get("/api/v1/auth/me", headers=api_token(one)).status_code == 200  # sign in again


def test_the_last_use_is_written_at_most_once_a_minute(
    worker: Worker, users: dict[str, auth.User], token_writes: list[str], clock: Clock
) -> None:
    client = worker()
    token = api_token(client)
    writes = token_writes
    for _ in range(20):  # 20 requests within a minute: read only
        clock.advance(seconds=2.9)
        assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    assert writes == []
    clock.advance(seconds=2)  # a minute and a bit since the sign-in
    for _ in range(5):
        assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    assert len(writes) == 1


def test_the_timeout_counts_from_the_last_recorded_use_so_it_is_never_late(
    worker: Worker, users: dict[str, auth.User], clock: Clock
) -> None:
    """Precision: a use within a minute of the last recorded one is not written, so the sign-in
    ends between 29 and 30 minutes after the real last use, never later than 30."""
    client = worker()
    token = api_token(client)
    clock.advance(seconds=50)
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200  # not recorded
    clock.advance(minutes=29, seconds=9)  # 29 min 59 s since the sign-in
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200  # recorded now
    clock.advance(minutes=29, seconds=59)
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    clock.advance(minutes=30)
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401


def test_a_sign_in_in_constant_use_still_ends_after_12_hours(
    worker: Worker, users: dict[str, auth.User], db: Database, clock: Clock
) -> None:
    client = worker()
    token = api_token(client, "test-physician")
    for _ in range(12 * 3 - 1):  # every 20 minutes, for 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    clock.advance(minutes=20)
    refused = client.get("/api/v1/auth/me", headers=token)
    assert refused.status_code == 401
    message = "Signed out: a sign-in lasts at most 12 hours. Sign in again."
    assert refused.json()["errors"][0]["message"] == message
    (entry,) = timeouts(db)
    assert entry.detail == {"reason": "lifetime", "kind": "api", "hours": 12}


def test_both_limits_are_settings(
    worker: Worker, users: dict[str, auth.User], clock: Clock
) -> None:
    client = worker(session_idle_minutes=5, session_hours=1)
    idle, busy = api_token(client), api_token(client, "test-physician")
    clock.advance(minutes=4)
    assert client.get("/api/v1/auth/me", headers=busy).status_code == 200
    clock.advance(minutes=1)
    answer = client.get("/api/v1/auth/me", headers=idle)
    assert answer.json()["errors"][0]["message"].startswith("Signed out after 5 minutes")
    for _ in range(18):
        clock.advance(minutes=3)
        assert client.get("/api/v1/auth/me", headers=busy).status_code == 200
    clock.advance(minutes=3)  # 62 minutes since the sign-in
    assert "a sign-in lasts at most 1 hour." in client.get("/api/v1/auth/me", headers=busy).text


def test_a_page_session_ends_with_a_redirect_that_says_why_and_leads_back(
    worker: Worker, users: dict[str, auth.User], db: Database, clock: Clock
) -> None:
    client = sign_in(worker(), "test-nurse")
    assert client.get("/patients", params={"q": "berg"}).status_code == 200
    clock.advance(minutes=31)
    away = client.get("/patients", params={"q": "berg"}, follow_redirects=False)
    assert away.status_code == 303
    target = urlsplit(away.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/patients?q=berg"], "ended": ["idle"]}
    assert SESSION_COOKIE not in client.cookies  # the dead cookie is dropped
    page = client.get(away.headers["location"])
    assert "Signed out after 30 minutes of inactivity. Sign in again." in page.text
    assert 'name="next" value="/patients?q=berg"' in page.text
    back = client.post(
        "/login",
        data={
            "username": "test-nurse",
            "password": PASSWORD,
            "csrf_token": csrf(client),
            "next": "/patients?q=berg",
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == "/patients?q=berg"
    (entry,) = timeouts(db)
    assert entry.detail == {"reason": "idle", "kind": "session", "idle_minutes": 30}


def test_an_htmx_request_or_a_form_post_leads_back_to_the_page_it_came_from(
    worker: Worker, users: dict[str, auth.User], clock: Clock
) -> None:
    client = sign_in(worker(), "test-nurse")
    clock.advance(minutes=30)
    htmx = client.get(
        "/patients/search",
        params={"q": "ana"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/today?day=2"},
    )
    assert htmx.status_code == 401
    assert parse_qs(urlsplit(htmx.headers["hx-redirect"]).query) == {
        "next": ["/today?day=2"],
        "ended": ["idle"],
    }
    client = sign_in(worker(), "test-physician")
    clock.advance(minutes=30)
    posted = client.post(
        "/patients/new",
        data={"csrf_token": csrf(client)},
        headers={"Referer": "https://elsewhere.example/patients/new"},  # not ours: not followed
        follow_redirects=False,
    )
    assert parse_qs(urlsplit(posted.headers["location"]).query)["next"] == ["/patients/new"]


def test_the_sign_in_page_shows_only_its_own_messages(worker: Worker) -> None:
    page = worker().get("/login", params={"ended": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in page.text
    assert "Signed out" not in page.text


@pytest.mark.parametrize(
    "typed",
    [
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/\\/evil.example/",
        "https://evil.example/",
        "evil.example",
        "/patients\\..\\\\evil.example",
        "/%0a/evil.example".replace("%0a", "\n"),
    ],
)
def test_where_sign_in_leads_is_never_another_site(
    worker: Worker, users: dict[str, auth.User], typed: str
) -> None:
    assert safe_next(typed) == "/"
    client = worker()
    client.get("/login")
    signed = client.post(
        "/login",
        data={
            "username": "test-nurse",
            "password": PASSWORD,
            "csrf_token": csrf(client),
            "next": typed,
        },
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/today"


def test_a_path_of_ours_is_kept() -> None:
    assert safe_next("/patients/12?tab=photos&x=%2F%2F") == "/patients/12?tab=photos&x=%2F%2F"


def test_a_shorter_lifetime_applies_to_sign_ins_already_made(
    worker: Worker, users: dict[str, auth.User], clock: Clock
) -> None:
    token = api_token(worker())  # issued for 12 hours
    strict = worker(session_hours=1, session_idle_minutes=90)
    clock.advance(minutes=59)
    assert strict.get("/api/v1/auth/me", headers=token).status_code == 200
    clock.advance(minutes=1)
    assert strict.get("/api/v1/auth/me", headers=token).status_code == 401
