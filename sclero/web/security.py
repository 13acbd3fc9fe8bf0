"""CSRF double-submit tokens: signed cookie tokens, checked on forms, HTMX and cookie API calls."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

CSRF_COOKIE = "sclero_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class CsrfRejected(Exception):
    """A form or HTMX request came without the page's CSRF token."""


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]


def _valid(secret: str, token: str | None) -> bool:
    """A token is ours when its signature matches (a cookie planted by another site is not)."""
    if not token or "." not in token:
        return False
    nonce, signature = token.rsplit(".", 1)
    return hmac.compare_digest(_sign(secret, nonce), signature)


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (from its cookie), or a fresh signed one the response will set."""
    secret: str = request.app.state.secret
    token = request.cookies.get(CSRF_COOKIE)
    if not _valid(secret, token):
        token = getattr(request.state, "new_csrf", None)
    if not token:
        nonce = secrets.token_urlsafe(24)
        token = f"{nonce}.{_sign(secret, nonce)}"
        request.state.new_csrf = token
    return str(token)


def require_csrf_header(request: Request) -> None:
    """For a request that cannot carry a form: the token must come in the header."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if not _valid(request.app.state.secret, expected) or not sent or sent != expected:
        raise CsrfRejected()


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token does not match the CSRF cookie."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    valid = _valid(request.app.state.secret, expected)
    if not valid or not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected()
