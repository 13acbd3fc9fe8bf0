"""Form handling for pages: read a submitted form, validate it with the API's own schema, and keep
what the user typed together with a message per field when it is refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from sclero.core.errors import DomainError
from sclero.web.errors import field_of, readable
from sclero.web.security import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)


async def read_form(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted fields; `lists` are checkbox groups; empty strings become None."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        if key in lists:
            data[key] = [v for v in form.getlist(key) if isinstance(v, str) and v]
        else:
            value = form.get(key)
            data[key] = value.strip() or None if isinstance(value, str) else value
    for key in lists:
        data.setdefault(key, [])
    return data


def form_values(lists: tuple[str, ...] = ()) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """A dependency giving a page handler its submitted form (see read_form). The form is read
    here, asynchronously, so the handler itself can be a plain function: Starlette runs it in
    its thread pool, and its database work never holds up the event loop."""

    async def values(request: Request) -> dict[str, Any]:
        return await read_form(request, lists)

    return values


FormValues = Annotated[dict[str, Any], Depends(form_values())]
"""The submitted form of a page handler without checkbox groups."""


def validate(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The model, or None and a nurse-readable message per field."""
    try:
        return model.model_validate(data), {}
    except ValidationError as error:
        return None, errors_of(error)


def errors_of(error: ValidationError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for item in error.errors():
        field = field_of(item.get("loc", ())) or "form"
        messages.setdefault(field, _sentence(readable(dict(item))))
    return messages


def domain_errors(error: DomainError) -> dict[str, str]:
    return {error.field or "form": error.message}


def refused_status(error: DomainError) -> int:
    """The status a re-rendered form answers with: 403 and 409 (a clinical refusal) keep theirs,
    anything else is a 422."""
    return error.status_code if error.status_code in (403, 409) else 422


def is_htmx(request: Request) -> bool:
    """The request came from htmx (answer with a partial, not a whole page)."""
    return bool(request.headers.get("HX-Request"))


def _sentence(message: str) -> str:
    message = message.replace("Input should be", "Enter").replace("Field required", "Required")
    return message[:1].upper() + message[1:]
