"""Who may run a use case, declared once: on the service function.

A step's public service functions take the unit of work first. `@use_case(roles…)` refuses any
other role on every call, and `roles_of(function)` hands the same declaration to the route in
front of it, which refuses before reading the request body (403 before 422), and to pages that
decide what to show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sclero.core.db import Actor, UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")

_DECLARED: dict[Callable[..., Any], tuple[str, ...]] = {}


def use_case(
    *roles: str,
) -> Callable[[Callable[Concatenate[UnitOfWork, P], R]], Callable[Concatenate[UnitOfWork, P], R]]:
    """Declare that only `roles` may run the decorated service function."""

    def declare(
        function: Callable[Concatenate[UnitOfWork, P], R],
    ) -> Callable[Concatenate[UnitOfWork, P], R]:
        def checked(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
            uow.require_role(*roles)
            return function(uow, *args, **kwargs)

        functools.update_wrapper(checked, function)  # name, docstring and signature stay
        _DECLARED[checked] = roles
        return checked

    return declare


def roles_of(function: Callable[..., Any]) -> tuple[str, ...]:
    """The roles a use case declared; a function that declared none is a programming error."""
    try:
        return _DECLARED[function]
    except KeyError:
        raise TypeError(f"{function.__qualname__} is not declared with @use_case") from None


def allowed(actor: Actor, function: Callable[..., Any]) -> bool:
    """Whether `actor` may run the use case (pages use it to offer only what will be let in)."""
    return actor.role in roles_of(function)
