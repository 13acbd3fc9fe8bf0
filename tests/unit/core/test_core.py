"""Core building blocks without a database: settings, error bodies, field names, photo store."""

from __future__ import annotations

import dataclasses
import importlib
import io
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from sclero.core.convert import to_jsonable
from sclero.core.db import alembic_config
from sclero.core.errors import DoseLimitExceeded, NotFound
from sclero.core.settings import Settings
from sclero.follow_up.photo_store import PhotoStore, sniff_type
from sclero.web.errors import field_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


def test_a_weak_secret_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 random characters"):
        Settings(secret_key="changeme")


def test_an_empty_secret_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCLERO_SECRET_KEY", raising=False)
    settings = Settings(data_dir=tmp_path, secret_key="")
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_sqlite_in_the_data_folder_is_the_default_database(tmp_path: Path) -> None:
    url = Settings(data_dir=tmp_path, database_url="").resolved_database_url
    assert url == f"sqlite:///{tmp_path.resolve() / 'sclero.db'}"


def test_domain_errors_carry_field_message_and_numbers() -> None:
    body = DoseLimitExceeded("Too much.", field="volume_ml", limit=10.0, remaining=0.1).to_body()
    assert body == {
        "errors": [
            {
                "code": "dose_limit_exceeded",
                "field": "volume_ml",
                "message": "Too much.",
                "detail": {"limit": 10.0, "remaining": 0.1},
            }
        ]
    }
    assert NotFound("x").status_code == 404


@pytest.mark.parametrize(
    ("location", "field"),
    [
        (("body", "findings", 2, "diameter_mm"), "findings[2].diameter_mm"),
        (("query", "limit"), "limit"),
        (("body",), "request"),
    ],
)
def test_validation_locations_become_readable_field_names(location: tuple, field: str) -> None:
    assert field_of(location) == field


def test_photos_are_stored_once_under_their_hash(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path)
    digest = store.put(PNG)
    assert store.put(PNG) == digest
    assert store.get(digest) == PNG
    assert len(list(tmp_path.rglob("*"))) == 2  # one folder, one file


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PNG, "image/png"), (b"\xff\xd8\xff\xe0rest", "image/jpeg"), (b"%PDF-1.7", None)],
)
def test_photo_type_comes_from_the_bytes_not_the_name(content: bytes, expected: str | None) -> None:
    assert sniff_type(content) == expected


def test_engine_results_become_json_ready() -> None:
    @dataclasses.dataclass(frozen=True)
    class Result:
        day: date
        sources: tuple[str, ...]

    assert to_jsonable(Result(date(2026, 1, 2), ("A", "B"))) == {
        "day": "2026-01-02",
        "sources": ["A", "B"],
    }


def test_clinic_days_and_times_follow_the_clinic_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import datetime

    from sclero.core.settings import get_settings
    from sclero.core.time import local_date, to_clinic_wall_time
    from sclero.web.templating import clinic_time

    monkeypatch.setenv("SCLERO_TIMEZONE", "Europe/Berlin")
    get_settings.cache_clear()
    try:
        late_evening_utc = datetime(2026, 1, 1, 23, 30)
        assert local_date(late_evening_utc) == date(2026, 1, 2)
        assert clinic_time(late_evening_utc) == datetime(2026, 1, 2, 0, 30)
        aware = datetime.fromisoformat("2026-07-01T08:00:00+00:00")
        assert to_clinic_wall_time(aware) == datetime(2026, 7, 1, 10, 0)
    finally:
        monkeypatch.delenv("SCLERO_TIMEZONE")
        get_settings.cache_clear()


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone="Mars/Olympus")


def test_migration_commands_write_to_the_stdout_of_the_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """alembic's Config defaults to sys.stdout as it was when alembic was first imported; when
    that was inside a command run with captured output, later migrations wrote to a closed
    stream ("I/O operation on closed file"), depending on which test ran first."""
    importlib.import_module("alembic.config")  # imported before the stream changes
    now = io.StringIO()
    monkeypatch.setattr(sys, "stdout", now)
    assert alembic_config().stdout is now
