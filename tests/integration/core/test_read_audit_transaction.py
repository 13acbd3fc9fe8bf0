"""An authenticated API read on a database of its own (no test-wide outer transaction): it is
audited exactly once, on PostgreSQL in the read's own transaction (one transaction fewer); an
unknown or lapsed token is still refused; a read that changed something still rolls it back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update

from sclero.app import create_app
from sclero.core import audit, auth
from sclero.core.audit import AuditEntry
from sclero.core.db import SYSTEM_ACTOR, Database, upgrade_database
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
    # the token lookup, the read, and (SQLite) the audit row's own short writing transaction
    per_request = 2 if real_db.engine.dialect.name == "postgresql" else 3
    assert counted == Counter(begin=3 * per_request, commit=3, rollback=3 * (per_request - 1))
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
