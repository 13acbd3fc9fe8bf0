"""JSON API of sign-in, users and the audit log (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import ConfigDict, StringConstraints

from sclero.core import accounts, audit, auth
from sclero.core.db import SYSTEM_ACTOR, Database
from sclero.core.schemas import Out, Strict
from sclero.core.settings import Settings
from sclero.web.deps import (
    CurrentActor,
    UoW,
    bearer,
    client_address,
    get_db,
    get_settings_dep,
    issue_session,
    may,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])
Trimmed = Annotated[str, StringConstraints(strip_whitespace=True)]


class TokenOut(Strict):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    role: str


class UserIn(Strict):
    # A password is kept exactly as typed (sign-in does not trim it either); the rest is trimmed.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: Trimmed
    full_name: Trimmed
    role: Trimmed
    password: str


class PasswordIn(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    password: str


class PasswordChangeIn(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    current_password: str
    new_password: str


class UserOut(Out):
    id: int
    username: str
    full_name: str
    role: str
    active: bool


class AuditOut(Out):
    id: int
    at: datetime
    username: str
    role: str
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    address: str | None
    detail: dict[str, Any] | None


@router.post("/auth/token", response_model=TokenOut)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: Annotated[Database, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings_dep)],
) -> TokenOut:
    """Sign in with username and password; returns a bearer token for the API."""
    with db.uow(SYSTEM_ACTOR, writes=False) as uow:  # the lookups take no write lock
        user = auth.authenticate(uow, form.username, form.password, client_address(request))
        actor = user.as_actor(client_address(request))
        uow.actor = actor
        audit.record(uow, "login", "user", user.id)
        uow.commit()
    return TokenOut(
        access_token=issue_session(db, actor.user_id or 0, settings, "api"), role=actor.role
    )


@router.post("/auth/logout", status_code=204)
def logout(
    actor: CurrentActor,
    db: Annotated[Database, Depends(get_db)],
    token: Annotated[str | None, Depends(bearer)],
) -> None:
    with db.uow(actor) as uow:
        if token:
            auth.revoke_token(uow, token)
        audit.record(uow, "logout", "user", actor.user_id)
        uow.commit()


@router.get("/auth/me")
def me(actor: CurrentActor) -> dict[str, Any]:
    return {"user_id": actor.user_id, "username": actor.username, "role": actor.role}


@router.post(
    "/users", response_model=UserOut, status_code=201, dependencies=[may(auth.create_user)]
)
def create_user(data: UserIn, uow: UoW) -> UserOut:
    accounts.check_password_policy(data.password, data.username)
    user = auth.create_user(
        uow,
        username=data.username,
        full_name=data.full_name,
        role=data.role,
        password=data.password,
    )
    audit.record(uow, "create", "user", user.id)
    uow.commit()
    return UserOut.model_validate(user)


@router.get("/audit", response_model=list[AuditOut], dependencies=[may(audit.list_entries)])
def audit_log(
    uow: UoW,
    patient_id: int | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditOut]:
    """Who read or changed which patient's data (admins only; no route edits or deletes it)."""
    rows = audit.list_entries(
        uow, patient_id=patient_id, username=username, action=action, limit=limit, offset=offset
    )
    return [AuditOut.model_validate(r) for r in rows]


@router.get("/users", response_model=list[UserOut], dependencies=[may(accounts.list_users)])
def list_users(uow: UoW) -> list[UserOut]:
    return [UserOut.model_validate(user) for user in accounts.list_users(uow)]


@router.post(
    "/users/{user_id}/deactivate",
    response_model=UserOut,
    dependencies=[may(accounts.set_active)],
)
def deactivate_user(user_id: int, uow: UoW) -> UserOut:
    """The account can no longer sign in; its sessions and API tokens end at once."""
    return UserOut.model_validate(accounts.set_active(uow, user_id, False))


@router.post(
    "/users/{user_id}/activate", response_model=UserOut, dependencies=[may(accounts.set_active)]
)
def activate_user(user_id: int, uow: UoW) -> UserOut:
    return UserOut.model_validate(accounts.set_active(uow, user_id, True))


@router.post(
    "/users/{user_id}/password",
    response_model=UserOut,
    dependencies=[may(accounts.reset_password)],
)
def reset_password(user_id: int, data: PasswordIn, uow: UoW) -> UserOut:
    """An admin sets a new password; the user's sign-ins end."""
    return UserOut.model_validate(accounts.reset_password(uow, user_id, data.password))


@router.post("/auth/password", status_code=204)
def change_password(data: PasswordChangeIn, uow: UoW) -> None:
    """Change one's own password; every other sign-in of this user ends."""
    accounts.change_own_password(uow, data.current_password, data.new_password)


@router.post("/auth/logout-everywhere", status_code=204)
def logout_everywhere(uow: UoW) -> None:
    """End every session and API token of the signed-in user (a lost phone, a shared screen)."""
    accounts.sign_out_everywhere(uow)
