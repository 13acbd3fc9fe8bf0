"""Browser fixtures: Sclero served by uvicorn on a fresh database with demo data, driven by the
machine's Debian Chromium through Playwright. Screenshots go to test-artefacts/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text

from sclero.app import create_app
from sclero.core.db import Database, make_engine, upgrade_database
from sclero.core.settings import get_settings
from sclero.demo.generator import generate_clinic
from sclero.demo.staff import DEMO_PASSWORD, ensure_demo_users
from tests.factories.api import match

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def browser_database_url(tmp: Path) -> str:
    """A database of the browser tests' own: a schema in PostgreSQL, a file in SQLite."""
    base = os.environ.get("SCLERO_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / 'browser.db'}"
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS browser CASCADE"))
        connection.execute(text("CREATE SCHEMA browser"))
    engine.dispose()
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3Dbrowser"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = browser_database_url(tmp_path_factory.mktemp("browser"))
    upgrade_database(url)
    database = Database(url)
    with database.sessions() as session:
        ensure_demo_users(session)
        session.commit()
        generate_clinic(session, 40, seed=11)
    port = free_port()
    app = create_app(get_settings(), database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed (apt-get install chromium); browser tests skipped."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    # A bound for "never appears", not for speed: on a shared 2-core machine running the suite in
    # parallel, a first page (the API docs' 1.5 MB of JavaScript) can take longer than 8 s.
    context.set_default_timeout(30_000)
    page = context.new_page()
    refused: list[str] = []  # what the Content-Security-Policy blocked: pages must run under it
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert refused == [], "the page broke the Content-Security-Policy"


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.context.set_extra_http_headers({})  # a previous user's token is stale
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    # Like the pages' HTMX requests, a test's own calls to the JSON API carry the CSRF token.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "sclero_csrf")
    page.context.set_extra_http_headers({"X-CSRF-Token": token})


class page_poster:  # noqa: N801 (used like a function: page_poster(page, headers))
    """A Post through the browser's own session (or the `headers` given), for setting data up."""

    def __init__(self, page: Any, headers: dict[str, str] | None = None) -> None:
        self.page, self.headers = page, headers or {}

    def __call__(self, path: str, body: dict[str, Any], *, if_match: int | None = None) -> Any:
        sent = {**self.headers, **match(if_match)}
        response = self.page.request.post(f"/api/v1{path}", data=body, headers=sent)
        assert response.ok, response.text()
        return response.json()

    def version(self, path: str) -> int:
        response = self.page.request.get(f"/api/v1{path}", headers=self.headers)
        assert response.ok, response.text()
        return int(response.headers["etag"].strip('"'))


def as_read_in(page: Any, path: str) -> dict[str, str]:
    """The If-Match of the record at GET /api/v1{path}, read through the browser's session."""
    return match(page_poster(page).version(path))


def screenshot(page: Any, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious or critical accessibility violations that axe-core finds on the page."""
    # Evaluated through the browser's devtools, not as a <script> the page's CSP would refuse.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:3]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
