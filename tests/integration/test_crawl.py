"""The crawl: on a generated demo clinic, every page a role can reach from its start page by
following links, and every API GET route over the demo's ids, answers without a server error.

Closes the class of defect where one ordinary patient (a varicose plan, a minor, an open urgent
event…) makes a page answer 500: the demo generator makes every kind of patient, and the crawl
meets each of them as each role would.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sclero.app import API_ROUTERS, create_app
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.core.time import today as clinic_today
from sclero.demo.generator import DEMO_PASSWORD, generate_clinic
from sclero.exchange.bulk import GROUPS
from sclero.exchange.codes import SYSTEMS
from sclero.models import Patient, TreatmentPlan, TreatmentSession
from tests.conftest import TransactionalDatabase
from tests.factories.web import csrf

PATIENTS = 40
PAGES_PER_ROLE = 1200  # the bound: a role that reaches more pages than this fails loudly
PER_PATTERN = 40  # at most this many pages of one shape (ids replaced), so each kind is met
SKIP = re.compile(r"^/(logout|static/|docs|redoc|openapi)|\.pdf(\?|$)")  # no page; PDFs: own tests
DEMO_LOGINS = {
    "physician": "physician",
    "nurse": "nurse",
    "front_desk": "frontdesk",
    "admin": "admin",
}
API_IDS = 8  # ids per path parameter for the API routes


class _Links(HTMLParser):
    """The href of every <a> on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(base: str, html: str) -> list[str]:
    """Same-origin links of a page, as paths with their query (fragment dropped)."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url = urlsplit(urljoin(base, href))
        if url.scheme not in {"http", "https"} or url.netloc != "testserver":
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def pattern(link: str) -> str:
    """The page's shape: ids replaced, the query's names kept and its values dropped
    (/patients/7/plan -> /patients/#/plan; /patients?q=&page=2 -> /patients?page&q)."""
    path, _, query = link.partition("?")
    names = sorted({pair.split("=", 1)[0] for pair in query.split("&") if pair})
    return re.sub(r"/\d+", "/#", path) + ("?" + "&".join(names) if names else "")


@pytest.fixture(scope="module")
def demo_db(engine: Engine) -> Iterator[Database]:
    """A demo clinic generated inside one transaction that is rolled back after the module."""
    connection = engine.connect()
    transaction = connection.begin()
    database = TransactionalDatabase(connection)
    try:
        with database.sessions() as session:
            generate_clinic(session, PATIENTS, seed=11, today=clinic_today())
        yield database
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="module")
def demo_app(demo_db: Database) -> Any:
    return create_app(get_settings(), demo_db, check_migrations=False)


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through the form; the start page the clinic sends this role to."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def crawl(client: TestClient, start: str) -> tuple[int, list[str]]:
    """Breadth-first over same-origin GET links; (pages visited, failures)."""
    seen: set[str] = {start}
    shapes: Counter[str] = Counter()
    queue = deque([start])
    failures: list[str] = []
    visited = 0
    while queue:
        path = queue.popleft()
        visited += 1
        assert visited <= PAGES_PER_ROLE, f"more than {PAGES_PER_ROLE} pages from {start}"
        response = client.get(path, follow_redirects=True)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {path}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for link in links(str(response.url), response.text):
            if link in seen or SKIP.search(link) or shapes[pattern(link)] >= PER_PATTERN:
                continue
            seen.add(link)
            shapes[pattern(link)] += 1
            queue.append(link)
    return visited, failures


@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_every_reachable_page_answers_without_a_server_error(demo_app: Any, role: str) -> None:
    with TestClient(demo_app, raise_server_exceptions=False) as client:
        start = sign_in(client, DEMO_LOGINS[role])
        visited, failures = crawl(client, start)
    print(f"crawl {role}: {visited} pages")
    assert visited > 1, f"{role} reached no page beyond {start}"
    assert failures == [], "\n".join(failures)


def demo_ids(database: Database) -> dict[str, list[Any]]:
    """Ids of the demo clinic per path parameter (a spread of patients of every kind)."""
    with database.sessions() as session:
        patients = list(session.scalars(select(Patient.id).order_by(Patient.id)))
        plans = list(session.scalars(select(TreatmentPlan.id).order_by(TreatmentPlan.id)))
        sessions = list(session.scalars(select(TreatmentSession.id).order_by(TreatmentSession.id)))
    return {
        "patient_id": patients[:: max(1, len(patients) // API_IDS)],
        "plan_id": plans[:API_IDS],
        "session_id": sessions[:API_IDS],
        "photo_id": [1],
        "code_system_id": sorted(SYSTEMS),
        "group_id": sorted(GROUPS),
        "job_id": ["0" * 32, "x"],
        "file_key": ["0.Patient.ndjson", "x"],
    }


def api_get_routes() -> list[str]:
    """Every GET route of the JSON API (the routers the app includes)."""
    return [
        route.path
        for router in API_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    ]


def concrete_paths(path: str, ids: dict[str, list[Any]]) -> list[str]:
    names = re.findall(r"\{([a-z_]+)\}", path)
    if not names:
        return [path]
    assert len(names) == 1, f"{path}: teach the crawl ids for {names}"
    assert names[0] in ids, f"{path}: teach the crawl ids for {names[0]}"
    return [path.replace(f"{{{names[0]}}}", str(value)) for value in ids[names[0]]]


def token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_every_api_get_route_answers_without_a_server_error(
    demo_app: Any, demo_db: Database
) -> None:
    ids = demo_ids(demo_db)
    routes = api_get_routes()
    assert len(routes) > 15
    failures = []
    calls = 0
    with TestClient(demo_app, raise_server_exceptions=False) as client:
        for role, username in DEMO_LOGINS.items():
            auth = token(client, username)
            for route in routes:
                for path in concrete_paths(route, ids):
                    calls += 1
                    status = client.get(path, headers=auth).status_code
                    if status >= 500:
                        failures.append(f"{role}: {status} {path}")
    print(f"crawl api: {calls} calls over {len(routes)} GET routes")
    assert failures == [], "\n".join(failures)
