"""An authenticated API read on a database of its own (no test-wide outer transaction): it is
audited exactly once, its row committed before it answers, in a commit shared with the reads of
the same moment; an unknown or lapsed token is still refused; a read that changed something
still rolls it back; a shared commit that fails refuses every read it carried."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from sclero.app import create_app
from sclero.core import audit, auth
from sclero.core.audit import AuditEntry
from sclero.core.db import SYSTEM_ACTOR, Database, upgrade_database
from sclero.core.group_commit import READ_GROUPS
from sclero.core.settings import get_settings
from sclero.core.time import utcnow
from sclero.patients import service as patients
from sclero.patients.models import Patient
from sclero.patients.schemas import PatientIn
from tests.factories.databases import own_database


@pytest.fixture
def real_db(database_url: str, tmp_path: Path) -> Iterator[Database]:
    with own_database(database_url, tmp_path / "reads.db", "reads") as url:
        upgrade_database(url)
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def setup(real_db: Database) -> tuple[str, int]:
    """An API token of a physician and the id of one patient."""
    with real_db.uow(SYSTEM_ACTOR) as uow:
        user = auth.create_user(
            uow, username="reader", full_name="Reader", role="physician", password="p" * 12
        )
        token = auth.issue_token(uow, user, "api", timedelta(hours=1))
        uow.commit()
    with real_db.uow(user.as_actor("local")) as uow:
        person = PatientIn(
            first_name="Ada", last_name="Read", birth_date=date(1980, 2, 3), sex="female"
        )
        pid = patients.create_patient(uow, person).id
    return token, pid


def reads(db: Database) -> list[AuditEntry]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "read")))


def transactions(db: Database) -> Counter[str]:
    seen: Counter[str] = Counter()
    for name in ("begin", "commit", "rollback"):
        event.listen(db.engine, name, lambda _c, n=name: seen.update([n]))
    return seen


def test_an_api_read_is_audited_once_in_as_few_transactions_as_the_database_allows(
    real_db: Database, setup: tuple[str, int]
) -> None:
    token, pid = setup
    with TestClient(create_app(get_settings(), real_db, check_migrations=False)) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get(f"/api/v1/patients/{pid}", headers=bearer).status_code == 200
        seen = transactions(real_db)  # after the first use, which records the token's use
        for _ in range(3):
            assert client.get(f"/api/v1/patients/{pid}", headers=bearer).status_code == 200
    counted = Counter(seen)
    entries = reads(real_db)
    assert [(e.entity, e.patient_id, e.username) for e in entries] == [
        ("patient", pid, "reader")
    ] * 4
    # the token lookup, the read, and the audit row's short writing transaction (alone here)
    assert counted == Counter(begin=3 * 3, commit=3, rollback=3 * 2)
    with real_db.engine.connect() as connection:
        assert audit.verify_chain(connection)[1] is None


def test_an_unknown_or_lapsed_token_is_refused_and_reads_nothing(
    real_db: Database, setup: tuple[str, int]
) -> None:
    token, pid = setup
    with TestClient(create_app(get_settings(), real_db, check_migrations=False)) as client:
        unknown = client.get(f"/api/v1/patients/{pid}", headers={"Authorization": "Bearer nope"})
        with real_db.sessions() as session:
            long_ago = utcnow() - timedelta(hours=2)
            session.execute(update(auth.AuthToken).values(last_used_at=long_ago))
            session.commit()
        lapsed = client.get(f"/api/v1/patients/{pid}", headers={"Authorization": f"Bearer {token}"})
    assert unknown.status_code == 401
    assert lapsed.status_code == 401
    assert lapsed.json()["errors"][0]["code"] == "signed_out"
    assert reads(real_db) == []


@pytest.mark.parametrize("flushed", [False, True], ids=["pending", "flushed"])
def test_a_read_that_changed_something_rolls_it_back_and_is_still_audited(
    real_db: Database, setup: tuple[str, int], flushed: bool
) -> None:
    _token, pid = setup
    with real_db.uow(SYSTEM_ACTOR, writes=False) as uow:
        patient = uow.get(Patient, pid)
        audit.record(uow, "read", "patient", pid, patient_id=pid)
        patient.first_name = "Changed"
        if flushed:
            uow.session.flush()
    with real_db.sessions() as session:
        assert session.scalar(select(Patient.first_name).where(Patient.id == pid)) == "Ada"
        count = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "read")
        assert session.scalar(count) == 1


def _read_in_threads(db: Database, pid: int, count: int) -> list[BaseException | None]:
    """`count` units of work that each read the patient, at the same moment."""
    outcomes: list[BaseException | None] = [None] * count

    def read(index: int) -> None:
        try:
            with db.uow(SYSTEM_ACTOR, writes=False) as uow:
                audit.record(uow, "read", "patient", pid, patient_id=pid, detail={"n": index})
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def shared_commits(real_db: Database) -> Iterator[list[Callable[[int], None]]]:
    """Steps run before each shared audit commit (given its number, from 1): a step may hold
    the commit or make it fail. Removed when the test ends."""
    steps: list[Callable[[int], None]] = []
    count = [0]

    def before(session: Session) -> None:
        if session.info.get(READ_GROUPS):
            count[0] += 1
            for step in steps:
                step(count[0])

    event.listen(Session, "before_commit", before, insert=True)  # before the log pops the reads
    yield steps
    event.remove(Session, "before_commit", before)


def _hold_first(db: Database, until_waiting: int) -> Callable[[int], None]:
    """A step that holds the first commit until `until_waiting` more reads queue behind it."""
    assert db.read_audits is not None
    audits = db.read_audits

    def hold(number: int) -> None:
        deadline = time.monotonic() + 30
        while number == 1 and audits.waiting < until_waiting and time.monotonic() < deadline:
            time.sleep(0.01)

    return hold


def test_reads_at_the_same_moment_share_one_commit_and_each_keeps_its_own_row(
    real_db: Database, setup: tuple[str, int], shared_commits: list[Callable[[int], None]]
) -> None:
    _token, pid = setup
    shared_commits.append(_hold_first(real_db, until_waiting=11))
    seen = transactions(real_db)
    assert _read_in_threads(real_db, pid, 12) == [None] * 12
    entries = [e for e in reads(real_db) if e.detail]
    assert sorted(e.detail["n"] for e in entries if e.detail) == list(range(12))
    assert seen["commit"] == 2  # the first alone, the eleven that waited behind it together
    written = len(_all_entries(real_db))
    with real_db.engine.connect() as connection:
        assert audit.verify_chain(connection) == (written, None)


def _all_entries(db: Database) -> list[AuditEntry]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry)))


def test_a_shared_commit_that_fails_refuses_every_read_it_carried(
    real_db: Database, setup: tuple[str, int], shared_commits: list[Callable[[int], None]]
) -> None:
    _token, pid = setup

    def fail_second(number: int) -> None:
        if number == 2:
            raise RuntimeError("the disk is full")

    shared_commits.extend([_hold_first(real_db, until_waiting=5), fail_second])
    outcomes = _read_in_threads(real_db, pid, 6)
    failed = [o for o in outcomes if o is not None]
    assert len(failed) == 5
    assert all(isinstance(o, RuntimeError) for o in failed)
    assert len([e for e in reads(real_db) if e.detail]) == 1  # only the read that answered
