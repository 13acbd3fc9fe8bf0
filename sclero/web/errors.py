"""Turn domain and validation errors into 4xx JSON bodies: errors[code, field, message]."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sclero.core import audit
from sclero.core.errors import DomainError, Forbidden
from sclero.core.throttle import TooManySignIns
from sclero.rules import CaseError
from sclero.web.deps import SESSION_COOKIE, LoginRequired, safe_next
from sclero.web.limits import BodyTooLarge
from sclero.web.security import CsrfRejected
from sclero.web.templating import render


def field_of(location: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "findings", 2, "diameter_mm")` → `findings[2].diameter_mm`."""
    parts = [p for p in location if p not in {"body", "query", "path", "form", "header", "cookie"}]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "request"


REQUIRED = "This field is required."
PLAIN: dict[str, str] = {
    "missing": REQUIRED,
    "float_parsing": "Enter a number.",
    "float_type": "Enter a number.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "date_parsing": "Enter a date.",
    "date_from_datetime_parsing": "Enter a date.",
    "datetime_parsing": "Enter a date and time.",
    "datetime_from_date_parsing": "Enter a date and time.",
    "bool_parsing": "Choose yes or no.",
}
"""Pydantic's error types in the clinic's words (never "Input should be a valid string")."""


def readable(error: dict[str, Any]) -> str:
    kind, value, limits = error.get("type"), error.get("input"), error.get("ctx") or {}
    if value in (None, "") and kind in {"string_type", "string_too_short", "missing"}:
        return REQUIRED
    if kind in PLAIN:
        return PLAIN[kind]
    if kind == "string_too_short":
        return f"Write at least {limits.get('min_length')} characters."
    if kind == "string_too_long":
        return f"Write at most {limits.get('max_length')} characters."
    for name, words in (
        ("gt", "more than"),
        ("ge", "at least"),
        ("lt", "less than"),
        ("le", "at most"),
    ):
        if name in limits and kind in {
            "greater_than",
            "greater_than_equal",
            "less_than",
            "less_than_equal",
        }:
            return (
                f"Enter a value {words} {limits[name]:g}."
                if isinstance(limits[name], (int, float))
                else f"Enter a value {words} {limits[name]}."
            )
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"code": "invalid", "field": field_of(e.get("loc", ())), "message": readable(e)}
        for e in errors
    ]


def audit_refusal(request: Request) -> None:
    """Keep a refused access in the audit log: who tried what, on which patient."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        return
    raw = str(request.path_params.get("patient_id", ""))
    patient_id = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 10 else None
    with request.app.state.db.uow(actor) as uow:
        audit.record(
            uow,
            "denied",
            "request",
            patient_id=patient_id,
            detail={"method": request.method, "path": request.url.path[:200]},
        )
        uow.commit()


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/docs", "/openapi"))


def refusal(request: Request, status: int, title: str, message: str, code: str) -> Response:
    """A refusal as the error page for a page request, as the error body for the API."""
    if is_page(request):
        context = {"title": title, "message": message}
        return render(request, "error.html", context, status_code=status)
    body = {"errors": [{"code": code, "field": None, "message": message}]}
    return JSONResponse(body, status_code=status)


# The handlers are plain functions, so Starlette runs them in its thread pool: auditing a
# refusal and rendering a page are blocking work that must not hold up the event loop.


def domain_error(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, Forbidden):
        audit_refusal(request)
    if is_page(request):
        title = {403: "Not for your role", 404: "Not found"}.get(exc.status_code, "Refused")
        context = {"title": title, "message": exc.message}
        return render(request, "error.html", context, status_code=exc.status_code)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, TooManySignIns):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=headers)


def engine_refused(request: Request, exc: CaseError) -> Response:
    # The engine refused a value a service passed it (e.g. an implausible diameter): the same
    # 422 and words as the API's own validation, never a 500.
    if is_page(request):
        context = {"title": "Refused", "message": exc.message}
        return render(request, "error.html", context, status_code=422)
    body = {"errors": [{"code": "invalid", "field": exc.field, "message": exc.message}]}
    return JSONResponse(body, status_code=422)


def too_large(request: Request, _exc: Exception) -> Response:
    # A number or date beyond what the database or the calendar can hold (e.g. an id of
    # 2**40: SQLite overflows in Python, PostgreSQL refuses it as out of range).
    message = "A number or date in the request is far too large; please check it."
    return refusal(request, 422, "Refused", message, "invalid")


def login_required(request: Request, exc: LoginRequired) -> Response:
    """To the sign-in page, which leads back to where the user was going (and says why they
    were signed out, when the sign-in ended by itself: its cookie is dropped too)."""
    target = f"/login?next={quote(safe_next(exc.next_path))}"
    if exc.ended:
        target += f"&ended={exc.ended}"
    response: Response
    if request.headers.get("HX-Request"):
        response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if exc.ended:
        response.delete_cookie(SESSION_COOKIE)
    return response


def csrf_rejected(request: Request, _exc: CsrfRejected) -> Response:
    message = "This form is out of date or came from elsewhere. Reload the page and try again."
    return refusal(request, 403, "Form refused", message, "csrf")


def body_too_large(request: Request, exc: BodyTooLarge) -> Response:
    return refusal(request, 413, "Too large", str(exc.detail), "too_large")


def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"errors": validation_errors(list(exc.errors()))}, status_code=422)


def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    body = {"errors": [{"code": "http", "field": None, "message": str(exc.detail)}]}
    return JSONResponse(body, status_code=exc.status_code)


HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (DomainError, domain_error),
    (CaseError, engine_refused),
    (OverflowError, too_large),
    (DataError, too_large),
    (LoginRequired, login_required),
    (CsrfRejected, csrf_rejected),
    (RequestValidationError, invalid_request),
    (BodyTooLarge, body_too_large),
    (StarletteHTTPException, http_error),
)


def install(app: FastAPI) -> None:
    """Turn every named error into a 4xx answer with field and message (never a 500)."""
    for error, handler in HANDLERS:
        app.add_exception_handler(error, handler)
