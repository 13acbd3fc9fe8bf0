"""The clock, in one place: timestamps are stored in UTC, clinic days are the clinic's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from sclero.core.settings import get_settings
from sclero.rules import vocabulary


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (how every timestamp is stored)."""
    return _now().astimezone(UTC).replace(tzinfo=None)


@contextmanager
def clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Read "now" (an aware datetime) from `now` meanwhile, in this whole process: how a test
    lets half an hour pass without waiting for it. Every timestamp Sclero takes comes from
    here (`utcnow`, `today`)."""
    global _now
    before, _now = _now, now
    try:
        yield
    finally:
        _now = before


def clinic_zone(name: str | None = None) -> tzinfo | None:
    """The named time zone, else the one in the settings; None means the server's local time."""
    name = name if name is not None else get_settings().timezone
    return ZoneInfo(name) if name else None


def today(zone_name: str | None = None) -> date:
    """The clinic's current date (a follow-up "today" is today where the clinic is); services
    ask their unit of work (`uow.today()`), which passes the installation's time zone."""
    return _now().astimezone(clinic_zone(zone_name)).date()


def clinic_now(zone_name: str | None = None) -> datetime:
    """Now as a naive wall-clock time at the clinic (how appointments and dated notes are kept)."""
    return _now().astimezone(clinic_zone(zone_name)).replace(tzinfo=None)


def local_date(utc_timestamp: datetime) -> date:
    """The clinic day on which a stored (naive UTC) timestamp fell."""
    return utc_timestamp.replace(tzinfo=UTC).astimezone(clinic_zone()).date()


def with_clinic_offset(wall_time: datetime) -> datetime:
    """A stored wall-clock time at the clinic as an exact moment, with the clinic's offset
    (the server's, when no zone is configured)."""
    if wall_time.tzinfo is not None:
        return wall_time
    zone = clinic_zone()
    return wall_time.replace(tzinfo=zone) if zone else wall_time.astimezone()


def to_clinic_wall_time(moment: datetime) -> datetime:
    """A naive wall-clock time at the clinic (how appointments are kept); an aware input is
    converted, a naive one is taken as already local."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(clinic_zone()).replace(tzinfo=None)


DATE_FORMAT = vocabulary.DATE_FORMAT  # how the clinic writes a date: 29 Dec 2026


def clinic_date(day: date) -> str:
    """A date in the clinic's format, for messages as the pages show dates."""
    return day.strftime(DATE_FORMAT)
