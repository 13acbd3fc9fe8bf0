"""Pages that belong to no single pathway step: sign in and out, the start page, the audit view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sclero.core import audit, auth
from sclero.core.auth import Role
from sclero.core.db import SYSTEM_ACTOR, Database
from sclero.core.errors import NotAuthenticated
from sclero.core.throttle import TooManySignIns
from sclero.rules.citations import citations
from sclero.web.deps import (
    SESSION_COOKIE,
    PageActor,
    client_address,
    get_db,
    issue_session,
    safe_next,
)
from sclero.web.forms import FormValues
from sclero.web.security import require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
HOME: dict[str, str] = {Role.ADMIN: "/audit", Role.CLINIC_LEAD: "/reports/outcomes"}
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(
    request: Request, actor: PageActor, db: Annotated[Database, Depends(get_db)]
) -> HTMLResponse:
    """The clinical reference as the protocol in force uses it: every source id with its
    citation and the rules that rest on it (`/sources#EG2014`). No patient data."""
    with db.uow(actor) as uow:
        protocol = uow.protocol
        context = {
            "protocol": protocol,
            "sources": protocol.spec.sources,
            "cited": citations(protocol),
            "disagreements": protocol.spec.disagreements,
        }
        return render(request, "sources.html", context, actor=actor)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", ended: str = "") -> HTMLResponse:
    """The sign-in form; `ended` (idle, lifetime) says why the last sign-in ended."""
    notice = ""
    if ended in {auth.IDLE, auth.LIFETIME}:  # a fixed message, never the query's text
        notice = auth.SignInEnded(ended, request.app.state.settings).message
    return render(request, "login.html", {"next_path": safe_next(next), "notice": notice})


@router.post("/login", response_model=None)
def login(
    request: Request, db: Annotated[Database, Depends(get_db)], form: FormValues
) -> HTMLResponse | RedirectResponse:
    """Sign in (a plain function: the password check runs in the thread pool, never on the
    event loop, and outside any transaction — see auth.authenticate)."""
    username, password = form.get("username") or "", form.get("password") or ""
    try:
        with db.uow(SYSTEM_ACTOR, writes=False) as uow:  # the lookups take no write lock
            user = auth.authenticate(uow, username, password, client_address(request))
            uow.actor = user.as_actor(client_address(request))
            audit.record(uow, "login", "user", user.id)
            uow.commit()
            user_id, role = user.id, user.role
    except (NotAuthenticated, TooManySignIns) as error:
        wait = error.retry_after if isinstance(error, TooManySignIns) else None
        return render(
            request,
            "login.html",
            {
                "error": error.message,
                "username": username,
                "next_path": safe_next(form.get("next")),
            },
            status_code=error.status_code,
            headers={"Retry-After": str(wait)} if wait else None,
        )
    token = issue_session(db, user_id, request.app.state.settings, "session")
    target = safe_next(form.get("next"))
    response = RedirectResponse(HOME.get(role, "/today") if target == "/" else target, 303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=request.app.state.settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(
    request: Request, actor: PageActor, db: Annotated[Database, Depends(get_db)]
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    with db.uow(actor) as uow:
        if token:
            auth.revoke_token(uow, token)
        audit.record(uow, "logout", "user", actor.user_id)
        uow.commit()
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(actor: PageActor) -> RedirectResponse:
    return RedirectResponse(HOME.get(actor.role, "/today"), 303)


def _record_id(text: str | None) -> int | None:
    """A typed record id as a number, or None when it is not one (e.g. "²", "12a", "-3")."""
    value = (text or "").strip()
    if not (value.isascii() and value.isdecimal()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


@router.get("/audit", response_class=HTMLResponse)
def audit_view(
    request: Request,
    actor: PageActor,
    db: Annotated[Database, Depends(get_db)],
    patient_id: Annotated[str | None, Query()] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Who saw or changed which patient (admins), filterable by patient, user and action."""
    pid = _record_id(patient_id)
    errors: dict[str, str] = {}
    if patient_id and pid is None:
        errors["patient_id"] = "A patient id is a whole number, such as 42; showing all patients."
    with db.uow(actor) as uow:
        rows = audit.list_entries(
            uow,
            patient_id=pid,
            username=username or None,
            action=action or None,
            limit=50,
            offset=(page - 1) * 50,
        )
    return render(
        request,
        "audit.html",
        {
            "rows": rows,
            "patient_id": patient_id or "",
            "username": username or "",
            "action": action or "",
            "page": page,
            "errors": errors,
            "actions": audit.ACTIONS,
        },
        actor=actor,
    )
