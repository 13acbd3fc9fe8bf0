"""A photo's files are written only for a row that is kept: a refused row or a failed commit
leaves no file, a kept row has its photo and thumbnail."""

from __future__ import annotations

import os
import secrets
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sclero.core import auth
from sclero.core.db import SYSTEM_ACTOR, Database
from sclero.follow_up import images
from sclero.follow_up import queries as follow_up_queries
from sclero.follow_up import service as follow_up
from sclero.follow_up.schemas import PhotoMeta
from tests.factories.follow_up import png


def unique_png() -> bytes:
    """An image no other test stored (its re-encoded bytes are new to the store)."""
    rgb = tuple(secrets.randbelow(256) for _ in range(3))
    return png(width=3 + secrets.randbelow(300), height=3, rgb=rgb)  # type: ignore[arg-type]


def test_a_refused_photo_row_leaves_no_file_in_the_store(
    db: Database, users: dict[str, auth.User], pid: int
) -> None:
    content = unique_png()
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    broken = meta.model_copy(update={"side": None})  # no side: the database refuses the row
    with pytest.raises(IntegrityError), db.uow(users["nurse"].as_actor()) as uow:
        follow_up.add_photo(uow, pid, broken, content)
    clean = images.clean(content)
    for data in (clean.content, clean.thumbnail):
        assert not follow_up_queries.store().path_for(images.digest(data)).exists()


def test_a_kept_photo_has_its_file(db: Database, users: dict[str, auth.User], pid: int) -> None:
    content = unique_png()
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    with db.uow(users["nurse"].as_actor()) as uow:
        photo = follow_up.add_photo(uow, pid, meta, content)
    assert follow_up_queries.store().get(photo.sha256) == images.clean(content).content
    assert photo.thumbnail_sha256 and follow_up_queries.store().get(photo.thumbnail_sha256)


def test_a_failed_commit_removes_the_files_it_wrote(
    db: Database, users: dict[str, auth.User], pid: int
) -> None:
    content = unique_png()
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())

    def fail(_session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    with db.uow(users["nurse"].as_actor()) as uow:
        event.listen(uow.session, "before_commit", fail)
        with pytest.raises(OperationalError):
            follow_up.add_photo(uow, pid, meta, content)
    clean = images.clean(content)
    for data in (clean.content, clean.thumbnail):
        assert not follow_up_queries.store().path_for(images.digest(data)).exists()


def _aged(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def _stray(name: str, content: bytes = b"left by a killed upload") -> Path:
    path = follow_up_queries.store().root / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_a_sweep_removes_old_files_no_photo_names_and_keeps_every_photo_s_files(
    db: Database, users: dict[str, auth.User], pid: int
) -> None:
    """A server killed between writing a photo's file and committing its row leaves the file
    (and a kill mid-write a temporary one): the sweep removes them once past the grace period,
    never a file a photo names, never a young file another worker may be committing."""
    with db.uow(users["nurse"].as_actor()) as uow:
        kept = follow_up.add_photo(uow, pid, _meta(), unique_png())
    grace = follow_up.ORPHAN_GRACE_SECONDS
    named = follow_up_queries.store().path_for(kept.sha256)
    _aged(named, grace * 2)  # an old photo stays: its row names it
    orphan = _aged(_stray(secrets.token_hex(32)), grace + 60)
    half_written = _aged(_stray("ab" + "tmp" + secrets.token_hex(4)), grace + 60)
    young = _stray(secrets.token_hex(32))  # an upload being committed right now
    with db.uow(SYSTEM_ACTOR) as uow:
        removed = follow_up.sweep_photo_files(uow)
    assert removed >= 2
    assert not orphan.exists() and not half_written.exists()
    assert young.exists() and named.exists()
    assert kept.thumbnail_sha256 and follow_up_queries.store().has(kept.thumbnail_sha256)
    with db.uow(SYSTEM_ACTOR) as uow:
        assert follow_up.missing_photo_files(uow) == []
    young.unlink()


def test_a_photo_whose_file_is_gone_is_named_by_the_check(
    db: Database, users: dict[str, auth.User], pid: int
) -> None:
    with db.uow(users["nurse"].as_actor()) as uow:
        photo = follow_up.add_photo(uow, pid, _meta(), unique_png())
    follow_up_queries.store().path_for(photo.sha256).unlink()
    with db.uow(SYSTEM_ACTOR) as uow:
        assert photo.id in follow_up.missing_photo_files(uow)


def _meta() -> PhotoMeta:
    return PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
