"""Account pages: the admin's staff list (deactivate, reactivate, reset a password) and every
user's own account (change password, sign out everywhere). The work is in core/accounts.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core import accounts
from sclero.core.db import Database
from sclero.core.errors import DomainError
from sclero.web.deps import SESSION_COOKIE, PageActor, get_db
from sclero.web.forms import FormValues
from sclero.web.security import require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
Db = Annotated[Database, Depends(get_db)]


USERS_PAGE = 50


def _users_page(
    request: Request, actor: Any, db: Database, *, status: int = 200, page: int = 1, **context: Any
) -> HTMLResponse:
    with db.uow(actor) as uow:
        users = accounts.list_users(uow, limit=USERS_PAGE, offset=(page - 1) * USERS_PAGE)
        total = accounts.count_users(uow)
    return render(
        request,
        "users.html",
        {"users": users, "total": total, "page": page, "size": USERS_PAGE, **context},
        actor=actor,
        status_code=status,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    actor: PageActor,
    db: Db,
    done: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The staff accounts, 50 a page."""
    messages = {"active": "Account updated.", "password": "Password reset; their sign-ins ended."}
    return _users_page(request, actor, db, page=page, message=messages.get(done, ""))


@router.post("/admin/users/{user_id}/active", response_model=None)
def set_active(
    request: Request, user_id: int, actor: PageActor, db: Db, form: FormValues
) -> Response:
    try:
        with db.uow(actor) as uow:
            accounts.set_active(uow, user_id, form.get("active") == "1")
    except DomainError as error:
        return _users_page(request, actor, db, status=error.status_code, error=error.message)
    return RedirectResponse("/admin/users?done=active", 303)


@router.post("/admin/users/{user_id}/password", response_model=None)
def reset_password(
    request: Request, user_id: int, actor: PageActor, db: Db, form: FormValues
) -> Response:
    try:
        with db.uow(actor) as uow:
            accounts.reset_password(uow, user_id, str(form.get("password") or ""))
    except DomainError as error:
        errors = {user_id: error.message}
        return _users_page(request, actor, db, status=error.status_code, field_errors=errors)
    return RedirectResponse("/admin/users?done=password", 303)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, actor: PageActor, done: str = "") -> HTMLResponse:
    message = "Password changed; your other sign-ins ended." if done == "password" else ""
    return render(request, "account.html", {"message": message, "errors": {}}, actor=actor)


@router.post("/account/password", response_model=None)
def change_password(request: Request, actor: PageActor, db: Db, form: FormValues) -> Response:
    current, new = str(form.get("current_password") or ""), str(form.get("new_password") or "")
    try:
        with db.uow(actor) as uow:
            accounts.change_own_password(uow, current, new)
    except DomainError as error:
        errors = {error.field or "new_password": error.message}
        context = {"message": "", "errors": errors}
        return render(request, "account.html", context, actor=actor, status_code=error.status_code)
    return RedirectResponse("/login?next=/account", 303)  # this sign-in ended too


@router.post("/account/logout-everywhere")
def logout_everywhere(actor: PageActor, db: Db) -> Response:
    with db.uow(actor) as uow:
        accounts.sign_out_everywhere(uow)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response
