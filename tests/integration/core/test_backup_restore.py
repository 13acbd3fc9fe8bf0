"""`sclero backup` / `sclero restore`: a backup taken while staff keep writing restores every
acknowledged row, its photos and its key; a damaged archive or a non-empty target is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import make_url, select, text

from sclero.core.backup import BackupError, create_backup, read_verified, restore_backup
from sclero.core.db import Actor, Database, make_engine, upgrade_database
from sclero.core.settings import Settings
from sclero.patients.models import Patient
from sclero.patients.schemas import PatientIn
from sclero.patients.service import create_patient

FRONT_DESK = Actor(user_id=None, username="frontdesk", role="front_desk", address="test")
POSTGRES_URL = os.environ.get("SCLERO_TEST_DATABASE_URL", "")


@contextmanager
def _postgres_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database beside the test one, dropped afterwards."""
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[tuple[Settings, Settings]]:
    """A source installation (migrated, with a photo and a key) and an empty target one."""
    with ExitStack() as stack:
        base = make_url(POSTGRES_URL).database if POSTGRES_URL else None
        urls = ("", "")
        if base:
            urls = (
                stack.enter_context(_postgres_database(f"{base}_backup_source")),
                stack.enter_context(_postgres_database(f"{base}_backup_target")),
            )
        yield _prepared(tmp_path, urls)


def _prepared(tmp_path: Path, urls: tuple[str, str]) -> tuple[Settings, Settings]:
    source = Settings(data_dir=tmp_path / "source", database_url=urls[0], secret_key="")
    target = Settings(data_dir=tmp_path / "target", database_url=urls[1], secret_key="")
    upgrade_database(source.resolved_database_url)
    source.resolved_secret_key()
    source.photo_dir.mkdir(parents=True)
    (source.photo_dir / "7").mkdir()
    (source.photo_dir / "7" / "before.png").write_bytes(b"\x89PNG photo bytes")
    return source, target


def _register(database: Database, index: int) -> int:
    data = PatientIn(
        first_name=f"Writer{index}", last_name="Backup", birth_date=date(1980, 1, 1), sex="female"
    )
    with database.uow(FRONT_DESK) as uow:
        return create_patient(uow, data).id


def _patient_ids(url: str) -> set[int]:
    database = Database(url)
    with database.sessions() as session:
        ids = set(session.scalars(select(Patient.id)))
    database.dispose()
    return ids


def test_a_backup_taken_while_staff_write_restores_every_acknowledged_row(
    installations: tuple[Settings, Settings], tmp_path: Path
) -> None:
    source, target = installations
    database = Database(source.resolved_database_url)
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        index = 0
        while not stop.is_set():
            acknowledged.append(_register(database, index))
            index += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(acknowledged) < 20:
            assert thread.is_alive(), "the writer stopped"
            stop.wait(0.01)
        before_backup = set(acknowledged)
        archive = tmp_path / "clinic.sclero-backup"
        manifest = create_backup(source, archive)
    finally:
        stop.set()
        thread.join()
    database.dispose()
    assert len(acknowledged) > len(before_backup)  # writes went on during the backup

    restore_backup(target, archive)

    restored = _patient_ids(target.resolved_database_url)
    assert before_backup <= restored
    assert restored <= set(acknowledged)
    assert (target.photo_dir / "7" / "before.png").read_bytes() == b"\x89PNG photo bytes"
    assert (target.data_dir / "secret_key").read_text() == source.resolved_secret_key()
    assert set(manifest.files) >= {"photos/7/before.png", "secret_key"}


def test_restore_refuses_a_target_that_is_not_empty(
    installations: tuple[Settings, Settings], tmp_path: Path
) -> None:
    source, _target = installations
    archive = tmp_path / "clinic.sclero-backup"
    create_backup(source, archive)
    with pytest.raises(BackupError, match="empty"):
        restore_backup(source, archive)


def test_a_damaged_archive_is_refused_and_nothing_is_restored(
    installations: tuple[Settings, Settings], tmp_path: Path
) -> None:
    source, target = installations
    archive = tmp_path / "clinic.sclero-backup"
    create_backup(source, archive)
    unpacked = tmp_path / "unpacked"
    read_verified(archive, unpacked)
    (unpacked / "photos" / "7" / "before.png").write_bytes(b"tampered")
    damaged = tmp_path / "damaged.sclero-backup"
    with tarfile.open(damaged, "w:gz") as tar:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(unpacked).as_posix())

    with pytest.raises(BackupError, match=r"Checksum mismatch for photos/7/before.png"):
        restore_backup(target, damaged)
    assert not target.photo_dir.exists()
    assert not (target.data_dir / "secret_key").exists()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the command line is the same on both databases")
def test_the_commands_back_up_and_restore_an_installation(tmp_path: Path) -> None:
    def sclero(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SCLERO_DATA_DIR": str(data_dir), "SCLERO_DATABASE_URL": ""}
        env.pop("SCLERO_SECRET_KEY", None)
        command = [sys.executable, "-m", "sclero.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603

    source, target, archive = tmp_path / "a", tmp_path / "b", tmp_path / "x.tar.gz"
    assert sclero(source, "db", "upgrade").returncode == 0
    made = sclero(source, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "Backup written" in made.stdout
    again = sclero(source, "restore", str(archive))
    assert again.returncode == 2
    assert "empty" in again.stderr
    restored = sclero(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert (target / "sclero.db").stat().st_mode & 0o077 == 0
