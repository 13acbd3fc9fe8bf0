"""Staff accounts after creation: the admin's user list, deactivation, password reset; a user's
own password change and "sign out everywhere"; the password policy they all apply."""

from __future__ import annotations

from sqlalchemy import func, select, update

from sclero.core import audit
from sclero.core.auth import (
    MIN_PASSWORD_LENGTH,
    AuthToken,
    Role,
    User,
    hash_password,
    password_matches,
)
from sclero.core.db import UnitOfWork
from sclero.core.errors import Conflict, InvalidInput, NotAuthenticated
from sclero.core.use_case import use_case

DEMO_PASSWORD = "sclero-demo-2026"  # noqa: S105 - published with the demo clinic; refused here
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890",
        "password123",
        "password1234",
        "qwertyuiop",
        "qwerty12345",
        "iloveyou123",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde",
        "letmein1234",
        "welcome123",
        "welcome1234",
        "administrator",
        "passw0rd123",
        "changeme123",
        "trustno1234",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "monkey12345",
        "dragon12345",
        "master12345",
        "superman123",
        "abc123456789",
        "aa1234567890",
        "0987654321",
        "1111111111",
        "0000000000",
        "1234512345",
        "11223344556",
        "qazwsxedcrfv",
        "asdfghjkl123",
        "zxcvbnm12345",
        "password12345",
        "p@ssw0rd123",
        "welcome2026",
        "summer2026",
        "winter2026",
        "spring2026",
        "autumn2026",
        "sclero12345",
        "sclerotherapy",
        "clinic12345",
        "doctor12345",
        "nurse123456",
        "hospital123",
    }
)
"""Passwords that guessing tools try first (at the policy's length); refused whatever the case."""


def check_password_policy(password: str, username: str) -> None:
    """Refuse a password that is short, common, the user's own name or the demo password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or lowered == DEMO_PASSWORD:
        raise InvalidInput(
            "This password is too common (or is the published demo password); choose another.",
            field="password",
        )
    if username and username.lower() in lowered:
        raise InvalidInput("The password must not contain the username.", field="password")


@use_case(Role.ADMIN)
def list_users(uow: UnitOfWork, *, limit: int | None = None, offset: int = 0) -> list[User]:
    """Staff accounts by username; `limit` and `offset` give one page of them."""
    audit.record(uow, "read", "users")
    query = select(User).order_by(User.username, User.id).limit(limit).offset(offset)
    return list(uow.session.scalars(query))


@use_case(Role.ADMIN)
def count_users(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(User)) or 0


def _revoke_all(uow: UnitOfWork, user_id: int) -> None:
    uow.session.execute(update(AuthToken).where(AuthToken.user_id == user_id).values(revoked=True))


@use_case(Role.ADMIN)
def set_active(uow: UnitOfWork, user_id: int, active: bool) -> User:
    """Deactivate (every sign-in of the user ends at once) or reactivate an account."""
    user = uow.get(User, user_id, field="user_id", for_update=True)
    if user.id == uow.actor.user_id and not active:
        raise Conflict("You cannot deactivate your own account.", field="user_id")
    before = user.active
    user.active = active
    if not active:
        _revoke_all(uow, user.id)
    action = "activate" if active else "deactivate"
    detail = {"changes": {"active": {"old": before, "new": active}}}
    audit.record(uow, action, "user", user.id, detail=detail)
    uow.commit()
    return user


@use_case(Role.ADMIN)
def reset_password(uow: UnitOfWork, user_id: int, new_password: str) -> User:
    """An admin sets a new password (e.g. a forgotten one); the user's sign-ins end."""
    user = uow.get(User, user_id, field="user_id", for_update=True)
    check_password_policy(new_password, user.username)
    user.password_hash = hash_password(new_password)
    _revoke_all(uow, user.id)
    audit.record(uow, "password_reset", "user", user.id)  # never the password itself
    uow.commit()
    return user


def change_own_password(uow: UnitOfWork, current: str, new_password: str) -> None:
    """The signed-in user changes their password; every other sign-in of theirs ends."""
    user = uow.get(User, uow.actor.user_id or 0, field="user_id", for_update=True)
    if not password_matches(user, current):
        raise NotAuthenticated("The current password is not right.", field="current_password")
    check_password_policy(new_password, user.username)
    user.password_hash = hash_password(new_password)
    _revoke_all(uow, user.id)
    audit.record(uow, "password_change", "user", user.id)
    uow.commit()


def sign_out_everywhere(uow: UnitOfWork) -> None:
    """End every session and API token of the signed-in user."""
    _revoke_all(uow, uow.actor.user_id or 0)
    audit.record(uow, "logout_everywhere", "user", uow.actor.user_id)
    uow.commit()
