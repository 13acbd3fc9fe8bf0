"""Backup and restore of one installation: a consistent online snapshot of the database (SQLite's
backup API, or pg_dump for PostgreSQL), the photos and the generated secret key, in one tar
archive whose manifest lists every member with its SHA-256. Restore goes only into an empty
installation and checks every checksum before anything is put in place."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, make_url

from sclero.core.db import current_revision, make_engine
from sclero.core.settings import Settings
from sclero.core.time import utcnow

FORMAT = "sclero-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/sclero.db"
POSTGRES_MEMBER = "database/sclero.pgdump"
Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    """What an archive holds: its database kind and migration, and every member's checksum."""

    database: str
    revision: str | None
    created_at: str = field(default_factory=lambda: utcnow().isoformat() + "Z")
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: str = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("This file is not a Sclero backup (no sclero-backup/1 manifest).")
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore, with the password passed in the environment."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def _snapshot_database(url: str, into: Path) -> tuple[str, str]:
    """Write a consistent snapshot of the live database into `into`; return (kind, member)."""
    if url.startswith("sqlite"):
        source_path = make_url(url).database
        if not source_path or not Path(source_path).exists():
            raise BackupError(f"There is no SQLite database at {source_path}.")
        target = into / SQLITE_MEMBER
        target.parent.mkdir(parents=True)
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while writers run
        finally:
            copy.close()
            source.close()
        return "sqlite", SQLITE_MEMBER
    target = into / POSTGRES_MEMBER
    target.parent.mkdir(parents=True)
    uri, env = _libpq_url(url)
    # pg_dump reads one snapshot (a repeatable-read transaction): acknowledged rows are all there.
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", uri], env)
    return "postgresql", POSTGRES_MEMBER


def _installation_files(settings: Settings) -> Iterator[tuple[Path, str]]:
    """The photos and the generated secret key, as (file, member name)."""
    photos = settings.photo_dir
    if photos.is_dir():
        for path in sorted(photos.rglob("*")):
            if path.is_file():
                yield path, f"photos/{path.relative_to(photos).as_posix()}"
    key_file = settings.data_dir / "secret_key"
    if key_file.is_file():
        yield key_file, "secret_key"


def create_backup(settings: Settings, archive: Path, progress: Progress | None = None) -> Manifest:
    """Write `archive`: database snapshot first (so every photo row's file exists), then files."""
    note = progress or (lambda _step: None)
    if archive.exists():
        raise BackupError(f"{archive} already exists; choose a new file name.")
    url = settings.resolved_database_url
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory(prefix="sclero-backup-") as work:
        note("database snapshot")
        kind, member = _snapshot_database(url, Path(work))
        members = [(Path(work) / member, member), *_installation_files(settings)]
        manifest = Manifest(database=kind, revision=revision)
        note(f"checksums of {len(members)} files")
        for path, name in members:
            manifest.files[name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
        note("archive")
        _write_archive(archive, manifest, members)
    return manifest


def _write_archive(archive: Path, manifest: Manifest, members: list[tuple[Path, str]]) -> None:
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        raw = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(raw), int(utcnow().timestamp()), 0o600
        tar.addfile(info, io.BytesIO(raw))
        for path, name in members:
            tar.add(path, arcname=name, recursive=False)
    partial.chmod(0o600)  # it holds patient data and the secret key
    partial.replace(archive)  # never a half-written archive under the final name


def read_verified(archive: Path, into: Path) -> Manifest:
    """Extract `archive` into `into` and check every member against the manifest."""
    if not archive.is_file():
        raise BackupError(f"There is no backup file at {archive}.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest_member = tar.extractfile(MANIFEST)
            if manifest_member is None:
                raise BackupError("The backup has no manifest.")
            manifest = Manifest.from_json(manifest_member.read())
            names = {m.name for m in tar.getmembers() if m.isfile()} - {MANIFEST}
            if names != set(manifest.files):
                missing = sorted(set(manifest.files) - names)
                extra = sorted(names - set(manifest.files))
                raise BackupError(
                    f"The backup does not match its manifest: missing {missing}, unlisted {extra}."
                )
            tar.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError, KeyError, json.JSONDecodeError) as error:
        raise BackupError(f"The backup file is damaged or not a Sclero backup ({error}).") from None
    for name, expected in manifest.files.items():
        if _sha256(into / name) != expected["sha256"]:
            raise BackupError(
                f"Checksum mismatch for {name}: the backup is damaged; nothing was restored."
            )
    return manifest


def _refuse_non_empty(settings: Settings, manifest: Manifest) -> None:
    url = settings.resolved_database_url
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    if kind != manifest.database:
        raise BackupError(
            f"This is a {manifest.database} backup; the configured database is {kind}."
        )
    if kind == "sqlite":
        path = Path(make_url(url).database or "")
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} already exists; restore only into an empty data folder.")
    else:
        engine = make_engine(url)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise BackupError(
                "The configured PostgreSQL database is not empty; restore only into an empty one."
            )
    photos = settings.photo_dir
    if photos.is_dir() and any(photos.iterdir()):
        raise BackupError(f"{photos} is not empty; restore only into an empty data folder.")
    if (settings.data_dir / "secret_key").exists():
        raise BackupError(
            f"{settings.data_dir / 'secret_key'} exists; restore only into an empty data folder."
        )


def restore_backup(settings: Settings, archive: Path, progress: Progress | None = None) -> Manifest:
    """Restore `archive` into the configured, empty installation; nothing is written unless every
    checksum matches."""
    note = progress or (lambda _step: None)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sclero-restore-", dir=settings.data_dir) as work:
        note("checking the archive")
        manifest = read_verified(archive, Path(work))
        _refuse_non_empty(settings, manifest)
        note("database")
        _restore_database(settings.resolved_database_url, Path(work), manifest)
        note("photos and key")
        _restore_files(settings, Path(work), manifest)
    return manifest


def _restore_database(url: str, work: Path, manifest: Manifest) -> None:
    if manifest.database == "sqlite":
        target = Path(make_url(url).database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        restored = work / SQLITE_MEMBER
        restored.chmod(0o600)
        shutil.move(restored, target)
        return
    uri, env = _libpq_url(url)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(work / POSTGRES_MEMBER),
        ],
        env,
    )


def _restore_files(settings: Settings, work: Path, manifest: Manifest) -> None:
    for name in manifest.files:
        if name.startswith("photos/"):
            target = settings.photo_dir / name.removeprefix("photos/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(work / name, target)
        elif name == "secret_key":
            target = settings.data_dir / "secret_key"
            shutil.move(work / name, target)
            target.chmod(0o600)
