"""Shared fixtures: a migrated real database (SQLite, or PostgreSQL via SCLERO_TEST_DATABASE_URL),
one rolled-back transaction per test, the app on that transaction, and signed-in users per role.

Under pytest-xdist (`-n`) each worker runs on a PostgreSQL database of its own, `<db>_gw0`,
`<db>_gw1`, … on the configured database's server, made fresh when the worker starts and dropped
when it ends; SQLite files are per worker (pytest's temporary folders), and so is the data folder.
Only one run at a time may use a configured database, as before."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Each xdist worker gets a data folder of its own (photos, exports): the workers inherit the
# controller's environment, so a folder chosen there would be shared by all of them.
os.environ["SCLERO_DATA_DIR"] = (
    tempfile.mkdtemp(prefix=f"sclero-test-data-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-")
    if "PYTEST_XDIST_WORKER" in os.environ or "SCLERO_DATA_DIR" not in os.environ
    else os.environ["SCLERO_DATA_DIR"]
)
os.environ.setdefault("SCLERO_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
# `sclero evaluate` keeps validated protocols in a cache folder: the tests' own, not the user's.
os.environ["SCLERO_CACHE_DIR"] = os.path.join(os.environ["SCLERO_DATA_DIR"], "cache")

import argon2
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from sclero.app import create_app
from sclero.core import auth
from sclero.core.db import SYSTEM_ACTOR, Database, make_engine, upgrade_database
from sclero.core.group_commit import ReadAuditCommits
from sclero.core.settings import get_settings

# Real argon2id, at the library's cheapest parameters so hundreds of sign-ins stay quick.
auth._hasher = PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
pytest_plugins = ["tests.factories.cases", "tests.factories.clock"]  # engine cases; `clock`
PASSWORD = "correct-horse-battery"
ROLES = ("physician", "nurse", "front_desk", "admin", "clinic_lead")
Headers = dict[str, dict[str, str]]
"""Bearer headers per role name."""


def recreate_database(server_url: str, name: str, *, create: bool = True) -> None:
    """Drop database `name` (ending a crashed run's connections) and, if asked, create it empty,
    through a connection to the configured database on the same server."""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


WORKER_DATABASE = pytest.StashKey[tuple[str, str]]()
"""(configured URL, worker database name) of an xdist worker on PostgreSQL."""


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module reads SCLERO_TEST_DATABASE_URL, point it at this worker's own
    database, so every database a test derives from it (`<db>_gw0_role`, …) is per worker too."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    base = os.environ.get("SCLERO_TEST_DATABASE_URL", "")
    if worker and base.startswith("postgresql"):
        name = f"{make_url(base).database}_{worker}"
        recreate_database(base, name)
        own = make_url(base).set(database=name).render_as_string(hide_password=False)
        os.environ["SCLERO_TEST_DATABASE_URL"] = own
        config.stash[WORKER_DATABASE] = (base, name)


def pytest_unconfigure(config: pytest.Config) -> None:
    if WORKER_DATABASE in config.stash:
        base, name = config.stash[WORKER_DATABASE]
        recreate_database(base, name, create=False)


def choose_database_url(tmp_dir: Path) -> str:
    return os.environ.get("SCLERO_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'sclero-test.db'}"


def reset_database(url: str) -> None:
    """Leave the database empty, so the migrations run from nothing."""
    if not url.startswith("postgresql"):
        path = Path(url.removeprefix("sqlite:///"))
        path.unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return choose_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    reset_database(database_url)
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


class TransactionalDatabase(Database):
    """A Database whose sessions all live inside one outer transaction that the test rolls back;
    a service's commit only releases a savepoint."""

    def __init__(self, connection: Connection) -> None:
        self.url = str(connection.engine.url)
        self.engine = connection.engine
        self.sessions = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.read_audits = ReadAuditCommits(self.sessions)


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield TransactionalDatabase(connection)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.sessions() as session:
        yield session


@pytest.fixture
def users(db: Database) -> dict[str, auth.User]:
    made = {}
    with db.uow(SYSTEM_ACTOR) as uow:
        for role in ROLES:
            made[role] = auth.create_user(
                uow, username=f"test-{role}", full_name=f"Test {role}", role=role, password=PASSWORD
            )
        uow.commit()
    return made


@pytest.fixture
def app(db: Database):  # type: ignore[no-untyped-def]
    return create_app(get_settings(), db, check_migrations=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


@pytest.fixture
def headers(client: TestClient, users: dict[str, auth.User]) -> dict[str, dict[str, str]]:
    """Bearer headers per role, obtained through the real sign-in endpoint."""
    result = {}
    for role, user in users.items():
        response = client.post(
            "/api/v1/auth/token", data={"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        result[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return result
