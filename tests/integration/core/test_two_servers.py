"""The app keeps no state of its own: two servers (one of them with two worker processes) on one
database and data folder act as one clinic — a sign-in on one works on the other, a record
written on one is read and changed on the other, and sign-in throttling counts across both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import make_url, text

from sclero.core.db import make_engine, upgrade_database

POSTGRES_URL = os.environ.get("SCLERO_TEST_DATABASE_URL", "")
PASSWORD = "a-long-test-password-2026"
PATIENT = {
    "first_name": "Ida",
    "last_name": "Twoserver",
    "birth_date": "1970-03-03",
    "sex": "female",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _database_url(tmp_path: Path) -> Iterator[str]:
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'clinic.db'}"
        return
    name = f"{make_url(POSTGRES_URL).database}_two_servers"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def _server(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "sclero.cli", "serve", "--no-demo", "--no-export-worker",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )  # stdin not inherited: an xdist worker's stdin is its pipe to the controller
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a loaded CI machine imports slowly
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the server did not start: {log.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp_path = tmp_path_factory.mktemp("two-servers")
    with ExitStack() as stack:
        url = stack.enter_context(_database_url(tmp_path))
        env = {**os.environ, "SCLERO_DATABASE_URL": url, "SCLERO_DATA_DIR": str(tmp_path)}
        env.pop("SCLERO_SECRET_KEY", None)  # the key the first server settles in the data folder
        upgrade_database(url)
        created = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "sclero.cli", "users", "create", "desk", "--role",
             "front_desk", "--password", PASSWORD],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        first = stack.enter_context(_server(env, 2, tmp_path / "a.log"))
        second = stack.enter_context(_server(env, 1, tmp_path / "b.log"))
        yield first, second


def _token(base: str, password: str = PASSWORD, username: str = "desk") -> httpx.Response:
    credentials = {"username": username, "password": password}
    return httpx.post(f"{base}/api/v1/auth/token", data=credentials)


def test_two_servers_act_as_one_clinic(servers: tuple[str, str]) -> None:
    first, second = servers
    token = _token(first).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    made = httpx.post(f"{second}/api/v1/patients", json=PATIENT, headers=bearer)
    assert made.status_code == 201, made.text
    patient_id = made.json()["id"]
    read = httpx.get(f"{first}/api/v1/patients/{patient_id}", headers=bearer)
    assert read.status_code == 200
    changed = httpx.patch(
        f"{second}/api/v1/patients/{patient_id}",
        json={"phone": "+49 30 1234567"},
        headers={**bearer, "If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    stale = httpx.patch(
        f"{first}/api/v1/patients/{patient_id}",
        json={"phone": "+49 30 7654321"},
        headers={**bearer, "If-Match": read.headers["ETag"]},
    )
    assert stale.status_code == 412

    with httpx.Client(base_url=first) as on_first:
        on_first.get("/login")
        form = {
            "username": "desk",
            "password": PASSWORD,
            "csrf_token": on_first.cookies["sclero_csrf"],
        }
        signed_in = on_first.post("/login", data=form)
        assert signed_in.status_code == 303
        cookies = dict(on_first.cookies)
    page = httpx.get(f"{second}/patients?q=twoserver", cookies=cookies)
    assert page.status_code == 200
    assert "Twoserver" in page.text


def test_sign_in_throttling_counts_across_servers(servers: tuple[str, str]) -> None:
    first, second = servers
    answers = [_token(first if n % 2 else second, "wrong", "ghost").status_code for n in range(12)]
    assert answers[0] == 401
    assert answers[-1] == 429  # the account waits, on every server
