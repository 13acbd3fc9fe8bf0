"""List pages issue a fixed number of SQL statements however many rows they show (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import SYSTEM_ACTOR, Database
from sclero.core.time import utcnow
from sclero.patients.models import Patient
from sclero.scheduling.models import Appointment
from tests.conftest import PASSWORD, Headers
from tests.factories.api import poster
from tests.factories.charting import close, inject, start
from tests.factories.patients import PATIENT
from tests.factories.planning import consented_patient


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def add_patients(db: Database, how_many: int, start: int) -> None:
    now: datetime = utcnow().replace(hour=9, minute=0)
    with db.uow(SYSTEM_ACTOR) as uow:
        for i in range(start, start + how_many):
            patient = Patient(
                mrn=f"Q-{i}",
                first_name=f"Q{i}",
                last_name="Query",
                birth_date=now.date().replace(year=1970),
                sex="female",
            )
            uow.session.add(patient)
            uow.session.flush()
            uow.session.add(Appointment(patient_id=patient.id, kind="session", starts_at=now))
        uow.commit()


def signed_in(client: TestClient, username: str = "test-front_desk") -> None:
    client.get("/login")
    client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": client.cookies["sclero_csrf"],
        },
    )


def statements_for(client: TestClient, db: Database, path: str) -> int:
    with counting(db) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_patient_list_and_today_do_not_grow_with_rows(
    client: TestClient, db: Database, users: dict[str, auth.User]
) -> None:
    signed_in(client)
    add_patients(db, 3, 0)
    few = {path: statements_for(client, db, path) for path in ("/patients?q=query", "/today")}
    add_patients(db, 20, 100)
    many = {path: statements_for(client, db, path) for path in ("/patients?q=query", "/today")}
    assert many == few


def test_the_chart_does_not_grow_with_sessions(
    client: TestClient, db: Database, users: dict[str, auth.User], headers: Headers
) -> None:
    doc = headers["physician"]

    def patient_with_sessions(how_many: int) -> int:
        person = {**PATIENT, "first_name": f"Maria{how_many}"}  # two people, not one twice
        pid = consented_patient(poster(client, doc), patient=person)
        for _ in range(how_many):
            sid = start(client, pid, doc, interval_override_reason="query count test")
            inject(client, sid, doc)
            close(client, sid, doc)
        return pid

    one, three = patient_with_sessions(1), patient_with_sessions(3)
    signed_in(client, "test-physician")
    assert statements_for(client, db, f"/patients/{three}") == statements_for(
        client, db, f"/patients/{one}"
    )


def test_the_chart_is_one_audited_read_in_one_commit(
    client: TestClient, db: Database, users: dict[str, auth.User], headers: Headers
) -> None:
    """Reading a chart gathers a dozen kinds of record; the audit log gets one row listing them,
    written in one commit (not one commit and one row per service call)."""
    pid = consented_patient(poster(client, headers["physician"]))
    signed_in(client, "test-physician")
    commits: list[str] = []

    def on_commit(*_args: object) -> None:
        commits.append("commit")

    def rows() -> int:
        with db.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    before = rows()
    event.listen(db.engine, "release_savepoint", on_commit)
    event.listen(db.engine, "commit", on_commit)
    try:
        assert client.get(f"/patients/{pid}").status_code == 200
    finally:
        event.remove(db.engine, "release_savepoint", on_commit)
        event.remove(db.engine, "commit", on_commit)
    assert rows() == before + 1
    with db.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.patient_id == pid
    assert {"patient", "evaluation", "treatment_plan"} <= {
        read["entity"] for read in (entry.detail or {}).get("reads", [])
    }
    assert len(commits) == 1
