"""A photo's files are written only for a row that is kept: a refused row or a failed commit
leaves no file, a kept row has its photo and thumbnail."""

from __future__ import annotations

import secrets
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sclero.core import auth
from sclero.core.db import Database
from sclero.follow_up import images
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
        assert not follow_up.store().path_for(images.digest(data)).exists()


def test_a_kept_photo_has_its_file(db: Database, users: dict[str, auth.User], pid: int) -> None:
    content = unique_png()
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    with db.uow(users["nurse"].as_actor()) as uow:
        photo = follow_up.add_photo(uow, pid, meta, content)
    assert follow_up.store().get(photo.sha256) == images.clean(content).content
    assert photo.thumbnail_sha256 and follow_up.store().get(photo.thumbnail_sha256)


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
        assert not follow_up.store().path_for(images.digest(data)).exists()
