"""Sign-in throttling per account and per client address, kept in the database so every worker
process sees the same counts: too many failed sign-ins in a window lock that key for a while,
and a locked key is refused with 429 and Retry-After before any password is checked."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from sclero.core.db import Base, UnitOfWork
from sclero.core.errors import DomainError
from sclero.core.time import utcnow


class SignInFailures(Base):
    """Failed sign-ins of one account (`account:NAME`) or one client address (`address:IP`)."""

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class TooManySignIns(DomainError):
    """Too many failed sign-ins for this account or from this address: wait and try again."""

    status_code = 429
    code = "too_many_sign_ins"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' * (minutes > 1)}.",
            field="password",
        )
        self.retry_after = retry_after


def keys(username: str, address: str | None) -> list[str]:
    found = [f"account:{username.strip().lower()[:64]}"]
    if address:
        found.append(f"address:{address[:64]}")
    return found


def refuse_if_locked(uow: UnitOfWork, username: str, address: str | None) -> None:
    """Raise TooManySignIns while the account or the address is locked."""
    now = utcnow()
    rows = uow.session.scalars(
        select(SignInFailures).where(SignInFailures.key.in_(keys(username, address)))
    )
    locks = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
    if locks:
        until = max(locks)
        raise TooManySignIns(math.ceil((until - now).total_seconds()))


def count_failure(uow: UnitOfWork, username: str, address: str | None) -> None:
    """Count one failed sign-in against the account and the address (one atomic upsert each),
    and lock a key that reached its limit in the window."""
    settings = uow.settings
    now = utcnow()
    window_start = now - timedelta(seconds=settings.sign_in_window_seconds)
    lock_until = now + timedelta(seconds=settings.sign_in_lockout_seconds)
    limits = {"account": settings.sign_in_max_failures_account}
    limits["address"] = settings.sign_in_max_failures_address
    row_of = SignInFailures
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for key in keys(username, address):
        stale = row_of.window_started_at < window_start
        statement = insert(row_of).values(key=key, failures=1, window_started_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[row_of.key],
            set_={
                "failures": case((stale, 1), else_=row_of.failures + 1),
                "window_started_at": case((stale, now), else_=row_of.window_started_at),
            },
        )
        uow.session.execute(statement)
        row = uow.session.get(SignInFailures, key, populate_existing=True)
        if row is not None and row.failures >= limits[key.split(":", 1)[0]]:
            row.locked_until = lock_until


def clear_account(uow: UnitOfWork, username: str) -> None:
    """A successful sign-in clears its account's count (never the address's: one good password
    must not reset the count of an address trying many accounts)."""
    row = uow.session.get(SignInFailures, keys(username, None)[0])
    if row is not None:
        uow.session.delete(row)
