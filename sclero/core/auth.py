"""Users, roles, password hashing (argon2id) and opaque tokens for web sessions and the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sclero.core import audit, throttle
from sclero.core.db import Actor, Base, Timestamped, UnitOfWork
from sclero.core.errors import Conflict, InvalidInput, NotAuthenticated
from sclero.core.time import utcnow


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

    user: Mapped[User] = relationship(lazy="joined")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    uow: UnitOfWork, *, username: str, full_name: str, role: str, password: str
) -> User:
    """Add a staff user (admins only, or the system actor at set-up)."""
    uow.require_role(Role.ADMIN)
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


def resolve_token(uow: UnitOfWork, token: str, kind: str) -> User | None:
    """The active user a live token belongs to, or None."""
    row = uow.session.scalar(
        select(AuthToken).where(AuthToken.token_hash == _token_hash(token), AuthToken.kind == kind)
    )
    if row is None or row.revoked or row.expires_at < utcnow() or not row.user.active:
        return None
    return row.user


def revoke_token(uow: UnitOfWork, token: str) -> None:
    row = uow.session.scalar(select(AuthToken).where(AuthToken.token_hash == _token_hash(token)))
    if row is not None:
        row.revoked = True
