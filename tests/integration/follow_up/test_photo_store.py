"""A photo's file is written only once its row is in the database."""

from __future__ import annotations

import secrets
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from sclero.core import auth
from sclero.core.db import Database
from sclero.follow_up import service as follow_up
from sclero.follow_up.photo_store import digest_of
from sclero.follow_up.schemas import PhotoMeta
from tests.factories.follow_up import PNG


def test_a_refused_photo_row_leaves_no_file_in_the_store(
    db: Database, users: dict[str, auth.User], pid: int
) -> None:
    content = PNG + secrets.token_bytes(16)  # bytes no other test stored
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    broken = meta.model_copy(update={"side": None})  # no side: the database refuses the row
    with pytest.raises(IntegrityError), db.uow(users["nurse"].as_actor()) as uow:
        follow_up.add_photo(uow, pid, broken, content)
    assert not follow_up.store().path_for(digest_of(content)).exists()


def test_a_kept_photo_has_its_file(db: Database, users: dict[str, auth.User], pid: int) -> None:
    content = PNG + secrets.token_bytes(16)
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date.today())
    with db.uow(users["nurse"].as_actor()) as uow:
        photo = follow_up.add_photo(uow, pid, meta, content)
    assert photo.sha256 == digest_of(content)
    assert follow_up.store().get(photo.sha256) == content
