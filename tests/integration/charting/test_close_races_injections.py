"""A session closed while injections are being charted into it, on the real server (two worker
processes) and the database of this run: eight nurses' clients chart at once while a physician
closes the session. No injection is accepted into a closed session (none charted after the
close, and every one sent after the close was acknowledged is refused), and no acknowledged
injection is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from sclero.charting.models import Injection, TreatmentSession
from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import SYSTEM_ACTOR, Database, upgrade_database
from tests.factories.api import poster
from tests.factories.charting import AFTERCARE, CHECKLIST, reticular_injection
from tests.factories.databases import own_database
from tests.factories.patients import PATIENT
from tests.factories.planning import consented_patient
from tests.integration.core.test_concurrency import ROOT, free_port, wait_until_up

SESSIONS = 4  # one race per session, each with a patient of its own
NURSES = 8  # clients charting into the session at once
TRIES = 20  # each charts until refused, at most this often (0.05 mL each: inside the limits)
CLOSE_AFTER = 3  # the physician closes once this many injections are acknowledged


@pytest.fixture
def served_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own for the server: a SQLite file, or a PostgreSQL database named
    after the test one and this process (dropped afterwards)."""
    with own_database(database_url, tmp_path / "closing.db", f"closing_{os.getpid()}") as url:
        yield url


@dataclass(frozen=True)
class Served:
    base: str
    physician: dict[str, str]
    nurses: list[dict[str, str]]
    db: Database
    log: Path


def staff_tokens(db: Database) -> tuple[dict[str, str], list[dict[str, str]]]:
    with db.uow(SYSTEM_ACTOR) as uow:
        made = {
            role: auth.create_user(
                uow, username=f"race-{role}", full_name=role, role=role, password="x" * 12
            )
            for role in ("physician", "nurse")
        }
        hour = timedelta(hours=1)
        physician = auth.issue_token(uow, made["physician"], "api", hour)
        nurses = [auth.issue_token(uow, made["nurse"], "api", hour) for _ in range(NURSES)]
        uow.commit()
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    return bearer(physician), [bearer(token) for token in nurses]


@pytest.fixture
def server(served_url: str, tmp_path: Path) -> Iterator[Served]:
    upgrade_database(served_url)
    db = Database(served_url)
    physician, nurses = staff_tokens(db)
    port = free_port()
    env = {
        **os.environ,
        "SCLERO_DATABASE_URL": served_url,
        "SCLERO_DATA_DIR": str(tmp_path / "data"),
        "SCLERO_SECRET_KEY": "race-test-secret-key-that-is-long-enough-0123456789",
    }
    command = [sys.executable, "-m", "sclero.cli", "serve", "--no-demo", "--port", str(port)]
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 (the project's own server, by this interpreter)
        [*command, "--workers", "2", "--no-export-worker"], env=env, cwd=ROOT, stdout=log,
        stderr=log, start_new_session=True, stdin=subprocess.DEVNULL,  # not an xdist pipe
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log_path)
        yield Served(base, physician, nurses, db, log_path)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        db.dispose()


@dataclass
class Race:
    """What the clients of one session saw, shared between their threads."""

    acknowledged: set[int] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    accepted_after_close: list[int] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def chart_until_refused(base: str, headers: dict[str, str], sid: int, race: Race) -> None:
    body = reticular_injection(0.05)
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base, headers=headers, timeout=60, limits=fresh) as web:
        for _ in range(TRIES):
            sent_after_close = race.closed.is_set()
            answer = web.post(f"/api/v1/sessions/{sid}/injections", json=body)
            with race.lock:
                race.statuses[answer.status_code] += 1
                if answer.status_code == 201:
                    race.acknowledged.add(int(answer.json()["id"]))
                    if sent_after_close:
                        race.accepted_after_close.append(int(answer.json()["id"]))
                    if len(race.acknowledged) >= CLOSE_AFTER:
                        race.enough.set()
                    continue
                closed = answer.status_code == 409 and "session is closed" in answer.text
                if not closed:
                    race.unexpected.append(f"{answer.status_code} {answer.text[:200]}")
                return


def close_when_busy(base: str, headers: dict[str, str], sid: int, race: Race) -> None:
    race.enough.wait(timeout=60)
    with httpx.Client(base_url=base, headers=headers, timeout=60) as web:
        answer = web.post(f"/api/v1/sessions/{sid}/close", json=AFTERCARE)
    if answer.status_code != 200:
        race.unexpected.append(f"close: {answer.status_code} {answer.text[:200]}")
    race.closed.set()


def ready_session(served: Served, n: int) -> int:
    """A consented patient of its own with an open session and its first injection."""
    with httpx.Client(base_url=served.base, timeout=60) as web:
        post = poster(web, served.physician)  # type: ignore[arg-type]  # same calls as TestClient
        patient = {**PATIENT, "first_name": f"Race{n}"}
        pid = consented_patient(post, patient=patient)
        sid = int(post(f"/patients/{pid}/sessions", {"checklist": CHECKLIST})["id"])
        first = post(f"/sessions/{sid}/injections", reticular_injection(0.05))
    return sid, int(first["id"])  # type: ignore[return-value]


def race_one(served: Served, sid: int) -> Race:
    race = Race()
    threads = [
        threading.Thread(target=chart_until_refused, args=(served.base, nurse, sid, race))
        for nurse in served.nurses
    ]
    threads.append(
        threading.Thread(target=close_when_busy, args=(served.base, served.physician, sid, race))
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "clients still waiting after 120 s"
    return race


def test_no_injection_is_accepted_into_a_closed_session_and_none_acknowledged_is_lost(
    server: Served,
) -> None:
    for n in range(SESSIONS):
        sid, first = ready_session(server, n)
        race = race_one(server, sid)
        print(f"\nsession {sid}: {dict(race.statuses)}")
        assert race.unexpected == [], server.log.read_text()[-3000:]
        assert race.closed.is_set()
        assert race.accepted_after_close == []
        assert race.statuses[409] == NURSES  # every client ends refused: the session is closed
        with server.db.sessions() as session:
            row = session.get(TreatmentSession, sid)
            assert row is not None and row.status == "closed" and row.closed_at is not None
            stored = list(session.scalars(select(Injection).where(Injection.session_id == sid)))
            closes = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "close", AuditEntry.entity_id == sid)
            ).all()
        # none acknowledged is lost, none stored was refused to its client
        assert {i.id for i in stored} == race.acknowledged | {first}
        # none was charted after the close
        assert [i.id for i in stored if i.charted_at > row.closed_at] == []
        assert len(closes) == 1


def correct_at_once(served: Served, injection_id: int, barrier: threading.Barrier) -> list[int]:
    """Every nurse's client corrects the same injection at the same moment; their statuses."""
    statuses: list[int] = []
    body = {"reason": "Charted 0.05 mL, 0.04 mL was given.", "volume_ml": 0.04}

    def correct(headers: dict[str, str]) -> None:
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=served.base, headers=headers, timeout=60, limits=fresh) as web:
            barrier.wait(timeout=60)
            answer = web.post(f"/api/v1/injections/{injection_id}/correct", json=body)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=correct, args=(nurse,)) for nurse in served.nurses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_one_injection_corrected_by_several_at_once_is_corrected_once(server: Served) -> None:
    """Two corrections of one injection would both count in the tally: a doubled dose."""
    for n in range(SESSIONS):
        sid, first = ready_session(server, 100 + n)
        statuses = correct_at_once(server, first, threading.Barrier(NURSES))
        assert sorted(statuses) == [201] + [409] * (NURSES - 1), server.log.read_text()[-3000:]
        with server.db.sessions() as session:
            replacing = session.scalars(select(Injection).where(Injection.replaces_id == first))
            live = session.scalars(
                select(Injection).where(Injection.session_id == sid, Injection.voided_at.is_(None))
            )
            assert len(list(replacing)) == 1
            assert [i.volume_ml for i in live] == [0.04]  # only the correction counts
