"""FastAPI dependencies: the database, the signed-in actor, role gates, the unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from sclero.core import auth
from sclero.core.db import SYSTEM_ACTOR, Actor, Database, UnitOfWork
from sclero.core.errors import Forbidden, NotAuthenticated
from sclero.core.settings import Settings
from sclero.core.use_case import roles_of
from sclero.web.security import require_csrf_header

SESSION_COOKIE = "sclero_session"
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str | None:
    """The client's address: the connection's, or, when that is one of the configured
    `trusted_proxies`, the nearest X-Forwarded-For hop that is not a trusted proxy."""
    peer = request.client.host if request.client else None
    proxies = _networks(tuple(request.app.state.settings.trusted_proxies))
    if peer is None or not _within(peer, proxies):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_address(hop):
            return peer  # a forged or garbled header: believe only the connection
        if not _within(hop, proxies):
            return hop
    return peer


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(entry, strict=False) for entry in entries)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _within(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    if not _is_address(address):
        return False
    ip = ip_address(address)
    return any(ip in network for network in networks)


def optional_actor(
    request: Request,
    db: Annotated[Database, Depends(get_db)],
    token: Annotated[str | None, Depends(bearer)],
) -> Actor | None:
    """The user behind the bearer token or the session cookie, if any. A change through the JSON
    API on the strength of the cookie alone must also carry the page's CSRF token. A sign-in
    that ended by itself (idle, lifetime) counts as none; `current_actor` and `page_actor` say
    why (request.state.sign_in_ended)."""
    kind, value = ("api", token) if token else ("session", request.cookies.get(SESSION_COOKIE))
    if not value:
        return None
    if kind == "session" and request.url.path.startswith("/api/"):
        require_csrf_header(request)
    address = client_address(request)
    try:
        with db.uow(SYSTEM_ACTOR, writes=False) as uow:  # a lookup: no write lock, even in a POST
            user = auth.resolve_token(uow, value, kind, address)
            actor = None if user is None else user.as_actor(address)
    except auth.SignInEnded as ended:
        request.state.sign_in_ended = ended
        actor = None
    request.state.actor = actor  # for the audit entry of a refused request
    return actor


async def current_actor(
    request: Request, actor: Annotated[Actor | None, Depends(optional_actor)]
) -> Actor:
    if actor is None:
        ended: auth.SignInEnded | None = getattr(request.state, "sign_in_ended", None)
        raise ended or NotAuthenticated("Sign in first.")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


class LoginRequired(Exception):
    """A page was asked for without a signed-in user; the app redirects to the sign-in page,
    which then leads back to `next_path` (and says why, when the sign-in `ended` by itself)."""

    def __init__(self, next_path: str, ended: str | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.ended = ended


async def page_actor(
    request: Request, actor: Annotated[Actor | None, Depends(optional_actor)]
) -> Actor:
    if actor is None:
        ended: auth.SignInEnded | None = getattr(request.state, "sign_in_ended", None)
        raise LoginRequired(where_going(request), ended.reason if ended else None)
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]


def where_going(request: Request) -> str:
    """The page to come back to after signing in: the one asked for (with its query), or, for a
    form post or an HTMX request, the page it was sent from when that is one of ours."""
    if request.method == "GET" and not request.headers.get("HX-Request"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    sent_from = request.headers.get("HX-Current-URL") or request.headers.get("referer") or ""
    parts = urlsplit(sent_from)
    if parts.netloc == request.url.netloc and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.url.path


def safe_next(value: str | None) -> str:
    r"""Only a path on this site may follow sign-in (no open redirect): one slash, then no
    second slash or backslash (browsers read `/\x` as `//x`), no control characters (a
    browser drops the tab of `/<TAB>/x`)."""
    if not value or not value.startswith("/") or value[1:2] in {"/", "\\"}:
        return "/"
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return "/"
    return value


def allow(*roles: str) -> Callable[[Actor], Awaitable[Actor]]:
    """A route dependency that lets only `roles` through (the services check again)."""

    async def gate(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"Your role ({actor.role}) may not use this.")
        return actor

    gate.roles = roles  # type: ignore[attr-defined]  # read by the role-matrix test
    return gate


def get_uow(db: Annotated[Database, Depends(get_db)], actor: CurrentActor) -> Iterator[UnitOfWork]:
    # Sync, so it begins and ends on the endpoint's side of the thread pool. Begun on the event
    # loop instead, a unit of work kept its connection between the thread that ran the endpoint
    # and the one that ended it; at 50 clients every thread then waited for a connection.
    with db.uow(actor) as uow:
        yield uow


UoW = Annotated[UnitOfWork, Depends(get_uow)]


def issue_session(db: Database, user_id: int, settings: Settings, kind: str) -> str:
    """A new token for a signed-in user, a web session or an API token: either lasts at most
    `session_hours`, and ends sooner when unused for `session_idle_minutes`."""
    lifetime = timedelta(hours=settings.session_hours)
    with db.uow(SYSTEM_ACTOR) as uow:
        user = uow.session.get(auth.User, user_id)
        assert user is not None
        token = auth.issue_token(uow, user, kind, lifetime)
        uow.commit()
    return token


def may(use_case: Callable[..., Any]) -> Any:
    """The route gate of one use case: the roles it declared with `@use_case`, refused before
    the request body is read."""
    return Depends(allow(*roles_of(use_case)))
