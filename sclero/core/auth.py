"""Users, roles, password hashing (argon2id) and opaque tokens for web sessions and the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, String, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sclero.core import audit, throttle
from sclero.core.db import Actor, Base, Timestamped, UnitOfWork
from sclero.core.errors import Conflict, InvalidInput, NotAuthenticated
from sclero.core.settings import Settings
from sclero.core.time import utcnow
from sclero.core.use_case import use_case


class Role(StrEnum):
    PHYSICIAN = "physician"
    NURSE = "nurse"
    FRONT_DESK = "front_desk"
    ADMIN = "admin"
    CLINIC_LEAD = "clinic_lead"  # the clinic's outcomes (aggregates), no patient's record

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


CLINICAL = (Role.PHYSICIAN, Role.NURSE)
"""Roles that see and chart clinical data."""
EVERYONE = tuple(Role)
"""Every signed-in role (front desk sees identity and appointments, not clinical notes)."""
OVERRIDERS = (Role.PHYSICIAN,)
"""Whose written reason overrides a protocol check — an interval, a dose limit or the plan, a
weight far from the evaluated one: a physician's clinical decision."""


def sees_clinical(actor: Actor) -> bool:
    """Whether pages show this actor clinical data (notes, summaries, reasons) beside identity."""
    return actor.role in CLINICAL


def may_override(actor: Actor) -> bool:
    """Whether this actor's written reason overrides a protocol check (`OVERRIDERS`)."""
    return actor.role in OVERRIDERS


_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10


class User(Timestamped, Base):
    """A member of the clinic's staff who signs in to Sclero."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def as_actor(self, address: str | None = None) -> Actor:
        return Actor(user_id=self.id, username=self.username, role=self.role, address=address)


class AuthToken(Base):
    """A sign-in: a web session cookie or an API bearer token, stored only as a hash."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "session" or "api"
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it was last used, recorded at most once per `touch_interval` (None: not since
    # created), and why it ended when it ended by itself ("idle" or "lifetime").
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(lazy="joined")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case(Role.ADMIN)
def create_user(
    uow: UnitOfWork, *, username: str, full_name: str, role: str, password: str
) -> User:
    """Add a staff user (admins only, or the system actor at set-up)."""
    if role not in Role.__members__.values():
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(Role)}.", "role")
    username = username.strip().lower()
    if not username:
        raise InvalidInput("A username is required.", field="username")
    if uow.session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"The username {username!r} is taken.", field="username")
    user = User(
        username=username, full_name=full_name, role=role, password_hash=hash_password(password)
    )
    uow.session.add(user)
    uow.session.flush()
    return user


def authenticate(uow: UnitOfWork, username: str, password: str, address: str | None = None) -> User:
    """The active user with these credentials, or NotAuthenticated (same message either way);
    TooManySignIns while the account or the client `address` is locked by failed attempts.

    The password is checked with no transaction open: argon2 is slow on purpose, and a
    transaction held meanwhile would keep other users waiting for the database (SQLite's
    write lock). So the lookups run first (in a unit of work that may only read: `writes=False`
    takes no write lock), the user is set apart from the session and that read ends, the hash
    is checked, and what follows (audit entry, failure count, a new hash) is written in a short
    writing transaction that begins after the check."""
    locked: throttle.TooManySignIns | None = None
    try:
        throttle.refuse_if_locked(uow, username, address)
    except throttle.TooManySignIns as error:
        locked = error
    user = uow.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is not None:
        uow.session.expunge(user)  # keeps what was read when the read ends
    uow.end_transaction(then_writes=True)
    if locked:
        uow.actor = _anonymous(address)
        audit.record(uow, "login_throttled", "user", detail={"username": username[:64]})
        uow.commit()
        raise locked
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check
        _refuse_sign_in(uow, username, None, address)
    if not _verifies(user.password_hash, password):
        _refuse_sign_in(uow, username, user.id, address)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        uow.session.execute(
            update(User).where(User.id == user.id).values(password_hash=user.password_hash)
        )
    throttle.clear_account(uow, username)
    return user


def _verifies(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _anonymous(address: str | None) -> Actor:
    """Whoever tries to sign in: not yet anyone, known only by the address they came from."""
    return Actor(user_id=None, username="anonymous", role="anonymous", address=address)


def password_matches(user: User, password: str) -> bool:
    """Whether `password` is the user's (no sign-in, no audit entry: for set-up checks)."""
    try:
        return bool(_hasher.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _refuse_sign_in(
    uow: UnitOfWork, username: str, user_id: int | None, address: str | None
) -> NoReturn:
    """Keep the failed attempt in the audit log (the name typed, never the password, and the
    client's address), count it against the account and the address, refuse."""
    uow.actor = _anonymous(address)
    audit.record(uow, "login_failed", "user", user_id, detail={"username": username[:64]})
    throttle.count_failure(uow, username, address)
    uow.commit()
    raise NotAuthenticated("Unknown username or wrong password.", field="password")


def issue_token(uow: UnitOfWork, user: User, kind: str, lifetime: timedelta) -> str:
    """A new random token for `user`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    uow.session.add(
        AuthToken(
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            expires_at=utcnow() + lifetime,
        )
    )
    return token


class SignInEnded(NotAuthenticated):
    """The sign-in ended by itself: unused for longer than the idle timeout, or older than its
    lifetime. `reason` is "idle" or "lifetime"; the message says which and when."""

    code = "signed_out"

    def __init__(self, reason: str, settings: Settings) -> None:
        if reason == IDLE:
            minutes = settings.session_idle_minutes
            message = f"Signed out after {minutes} minutes of inactivity. Sign in again."
        else:
            hours = settings.session_hours
            span = f"{hours} hour{'s' * (hours != 1)}"
            message = f"Signed out: a sign-in lasts at most {span}. Sign in again."
        super().__init__(message)
        self.reason = reason


IDLE, LIFETIME = "idle", "lifetime"
TOUCH_INTERVAL = timedelta(minutes=1)


def touch_interval(idle: timedelta) -> timedelta:
    """How often a sign-in's last use is written: once a minute (a quarter of the idle timeout
    when that is shorter), so reads do not write. The recorded last use lags the real one by
    less than this, so a sign-in ends after between `idle - touch_interval` and `idle` of
    inactivity: never later than the setting."""
    return min(TOUCH_INTERVAL, idle / 4)


def resolve_token(
    uow: UnitOfWork, token: str, kind: str, address: str | None = None
) -> User | None:
    """The active user a live token belongs to, or None (unknown, signed out, deactivated).
    A token unused for the idle timeout or past its lifetime raises SignInEnded, and is ended
    and audited the first time it is seen so. Its last use is recorded at most once per
    touch_interval: most requests only read here."""
    row = uow.session.scalar(
        select(AuthToken).where(AuthToken.token_hash == _token_hash(token), AuthToken.kind == kind)
    )
    if row is None or not row.user.active or (row.revoked and row.ended_reason is None):
        return None
    now, settings = utcnow(), uow.settings
    idle = timedelta(minutes=settings.session_idle_minutes)
    last_used = row.last_used_at or row.created_at
    reason = row.ended_reason or _lapsed(row, now, last_used, idle, settings.session_hours)
    user, token_id = row.user, row.id
    uow.session.expunge(user)  # stays readable when the read below ends
    if reason:
        if not row.revoked:
            _end_by_itself(uow, token_id, user.as_actor(address), reason, kind)
        raise SignInEnded(reason, settings)
    touch = touch_interval(idle)
    if now - last_used >= touch:
        uow.end_transaction(then_writes=True)
        uow.session.execute(
            update(AuthToken)
            .where(AuthToken.id == token_id, AuthToken.revoked.is_(False))
            .where(  # unless another worker just did
                or_(AuthToken.last_used_at.is_(None), AuthToken.last_used_at <= now - touch)
            )
            .values(last_used_at=now)
        )
        uow.commit()
    return user


def _lapsed(
    row: AuthToken, now: datetime, last_used: datetime, idle: timedelta, hours: int
) -> str | None:
    # the lifetime the token was issued with, or a shorter one set since
    if row.expires_at <= now or now - row.created_at >= timedelta(hours=hours):
        return LIFETIME
    if now - last_used >= idle:
        return IDLE
    return None


def _end_by_itself(uow: UnitOfWork, token_id: int, actor: Actor, reason: str, kind: str) -> None:
    """End the token and audit the sign-out, once: of two workers that see it lapse together
    only the one whose update ends it writes the entry."""
    uow.end_transaction(then_writes=True)
    ended = uow.session.execute(
        update(AuthToken)
        .where(AuthToken.id == token_id, AuthToken.revoked.is_(False))
        .values(revoked=True, ended_reason=reason)
    )
    if getattr(ended, "rowcount", 0) == 1:
        settings = uow.settings
        limit = (
            {"idle_minutes": settings.session_idle_minutes}
            if reason == IDLE
            else {"hours": settings.session_hours}
        )
        uow.actor = actor
        audit.record(
            uow, "logout", "user", actor.user_id, detail={"reason": reason, "kind": kind, **limit}
        )
    uow.commit()


def revoke_token(uow: UnitOfWork, token: str) -> None:
    row = uow.session.scalar(select(AuthToken).where(AuthToken.token_hash == _token_hash(token)))
    if row is not None:
        row.revoked = True
