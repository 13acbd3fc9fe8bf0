"""The real server under a clinic's ordinary concurrent use: 50 staff at once, mixing reads,
writes, unknown records and wrong-password sign-ins, on the database of this run (the SQLite
file, or PostgreSQL). No answer is a server error, every write made on an old version is
refused (412), and no saved change is lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import SYSTEM_ACTOR, Database, upgrade_database
from sclero.patients import service as patients
from sclero.patients.schemas import PatientIn
from tests.factories.databases import own_database

CLIENTS = 50
ROUNDS = 2
PATIENTS = 8  # fewer records than clients: people do change the same record at once
ROLES = ("physician", "nurse", "front_desk")
ROOT = Path(__file__).resolve().parents[3]
WRONG = "not-the-password-at-all"


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    stale_sent: int = 0
    stale_refused: int = 0
    saved: Counter[int] = field(default_factory=Counter)  # successful changes per patient
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str, response: httpx.Response, allowed: set[int]) -> None:
        with self.lock:
            self.statuses[f"{what} {response.status_code}"] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{what}: {response.status_code} {response.text[:200]}")
            elif response.status_code not in allowed:
                self.unexpected.append(f"{what}: {response.status_code} {response.text[:200]}")


@dataclass(frozen=True)
class Served:
    base: str
    tokens: list[tuple[str, str]]  # (role, API token) per client
    patient_ids: list[int]
    log: Path


@pytest.fixture
def served_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own for the server: a SQLite file, or a PostgreSQL database
    beside the test one (dropped afterwards)."""
    with own_database(database_url, tmp_path / "served.db", "served") as url:
        yield url


def prepare(url: str) -> tuple[list[tuple[str, str]], list[int]]:
    """Staff with one API token per client (role, token) and the patients they share."""
    upgrade_database(url)
    db = Database(url)
    try:
        with db.uow(SYSTEM_ACTOR) as uow:
            staff = {
                role: auth.create_user(
                    uow, username=f"load-{role}", full_name=role, role=role, password=WRONG * 2
                )
                for role in ROLES
            }
            # the account others guess at keeps a real-cost hash: its checks take real time
            staff["nurse"].password_hash = PasswordHasher().hash("the-real-password-1")
            tokens = [
                (role, auth.issue_token(uow, staff[role], "api", timedelta(hours=1)))
                for i in range(CLIENTS)
                for role in [ROLES[i % len(ROLES)]]
            ]
            uow.commit()
        desk = staff["front_desk"].as_actor("local")
        with db.uow(desk) as uow:
            ids = [
                patients.create_patient(
                    uow,
                    PatientIn(
                        first_name=f"Load{i}",
                        last_name="Tester",
                        birth_date=date(1970, 1, 1 + i),
                        sex="female",
                    ),
                ).id
                for i in range(PATIENTS)
            ]
    finally:
        db.dispose()
    return tokens, ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(
    served_url: str, tmp_path: Path
) -> Iterator[tuple[str, list[tuple[str, str]], list[int]]]:
    """The real server (`sclero serve` in a process of its own) on the prepared database."""
    tokens, ids = prepare(served_url)
    port = free_port()
    env = {
        **os.environ,
        "SCLERO_DATABASE_URL": served_url,
        "SCLERO_DATA_DIR": str(tmp_path / "data"),
        "SCLERO_SECRET_KEY": "load-test-secret-key-that-is-long-enough-0123456789",
    }
    command = [sys.executable, "-m", "sclero.cli", "serve", "--no-demo", "--port", str(port)]
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 (the project's own server, by this interpreter)
        [*command, "--no-export-worker"], env=env, cwd=ROOT, stdout=log, stderr=log,
        start_new_session=True, stdin=subprocess.DEVNULL,  # not the xdist worker's pipe
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, tmp_path / "server.log")
        yield Served(base, tokens, ids, tmp_path / "server.log")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300  # a loaded machine (or a parallel run) imports slowly
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"the server did not start:\n{log.read_text()[-2000:]}")


def etag(response: httpx.Response) -> str:
    return response.headers.get("ETag", '"0"')


def one_client(base: str, role: str, token: str, pid: int, n: int, tally: Tally) -> None:
    """One member of staff: reads, changes, refused changes, a typo'd record, a bad sign-in."""
    bearer = {"Authorization": f"Bearer {token}"}
    clinical = role != "front_desk"
    # a connection per request: a kept-alive one the server closes after its idle timeout
    # while this thread waits for the CPU would fail on the client's side, not the server's
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base, headers=bearer, timeout=60, limits=fresh) as web:
        for round_ in range(ROUNDS):
            read = web.get(f"/api/v1/patients/{pid}")
            tally.saw("read patient", read, {200})
            first = etag(read)
            phone = {"phone": f"+1 555 {n:02d}{round_}"}
            changed = web.patch(f"/api/v1/patients/{pid}", json=phone, headers={"If-Match": first})
            tally.saw("change patient", changed, {200, 412})
            if changed.status_code == 200:
                with tally.lock:
                    tally.saved[pid] += 1
            tally.saw("search", web.get("/api/v1/patients", params={"q": "tester"}), {200})
            tally.saw("unknown record", web.get(f"/api/v1/patients/{900_000 + n}"), {404})
            if round_ == 0:  # a real argon2 check each: one per client keeps the test short
                guess = {"username": "load-nurse", "password": f"{WRONG}-{n}"}
                # refused (401), then throttled (429) once the account has failed too often
                signed = web.post("/api/v1/auth/token", data=guess)
                tally.saw("wrong sign-in", signed, {401, 429})
            if clinical:
                history = web.get(f"/api/v1/patients/{pid}/history")
                tally.saw("read history", history, {200})
                codes = {"conditions": [], "medications": [], "allergies": ["latex"]}
                saved = web.put(
                    f"/api/v1/patients/{pid}/history",
                    json=codes,
                    headers={"If-Match": etag(history)},
                )
                tally.saw("change history", saved, {200, 412})
                if saved.status_code == 200:
                    with tally.lock:
                        tally.saved[pid] += 1
            if changed.status_code in (200, 412):
                # `first` is old now: this client's change or someone else's came after it
                stale = web.patch(
                    f"/api/v1/patients/{pid}", json={"notes": "stale"}, headers={"If-Match": first}
                )
                tally.saw("stale change", stale, {412})
                with tally.lock:
                    tally.stale_sent += 1
                    tally.stale_refused += stale.status_code == 412
            unversioned = web.patch(f"/api/v1/patients/{pid}", json={"notes": "no version"})
            tally.saw("change without version", unversioned, {428})


def test_fifty_concurrent_clients_get_no_server_error_and_lose_no_change(server: Served) -> None:
    base, tokens, ids = server.base, server.tokens, server.patient_ids
    tally = Tally()
    threads = [
        threading.Thread(
            target=one_client, args=(base, role, token, ids[n % len(ids)], n, tally), daemon=True
        )
        for n, (role, token) in enumerate(tokens)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "clients still waiting after 120 s"

    took = time.monotonic() - started
    print(f"\n{CLIENTS} clients, {sum(tally.statuses.values())} requests in {took:.1f} s:")
    print(dict(tally.statuses))
    assert tally.server_errors == [], server.log.read_text()[-3000:]
    assert tally.unexpected == []
    assert tally.stale_sent == CLIENTS * ROUNDS and tally.stale_refused == tally.stale_sent
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0][1]}"}) as web:
        versions = {pid: int(etag(web.get(f"/api/v1/patients/{pid}")).strip('"')) for pid in ids}
    # every saved change made exactly one new version: none was lost or applied twice
    assert versions == {pid: FIRST_VERSION + tally.saved[pid] for pid in ids}


FIRST_VERSION = 1  # a registered patient: inserted with its record number


def test_a_read_takes_no_write_lock_on_sqlite(database_url: str, tmp_path: Path) -> None:
    """While one unit of work holds SQLite's write lock, another that only reads goes ahead at
    once (it used to begin IMMEDIATE and wait for the lock, then fail)."""
    if database_url.startswith("postgresql"):
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    upgrade_database(url)
    db = Database(url)
    try:
        with db.uow(SYSTEM_ACTOR, writes=True) as writer:
            writer.session.add(AuditEntry(username="t", role="admin", action="test", entity="t"))
            writer.session.flush()  # the write lock is held until this unit of work ends
            with db.uow(SYSTEM_ACTOR, writes=False) as reader:
                users = reader.session.scalar(select(func.count()).select_from(auth.User))
            assert users == 0
    finally:
        db.dispose()
