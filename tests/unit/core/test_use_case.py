"""Roles are declared once, on the use case: the service refuses every other role, the route and
the pages read the same declaration, and nothing else in the code names roles for a use case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sclero
from sclero.core.auth import Role
from sclero.core.db import Actor, Database, UnitOfWork
from sclero.core.errors import Forbidden
from sclero.core.use_case import allowed, roles_of, use_case

ran: list[str] = []


@use_case(Role.PHYSICIAN)
def approve_something(uow: UnitOfWork, what: str) -> str:
    """A physician's use case."""
    ran.append(what)
    return f"approved {what}"


def actor(role: str) -> Actor:
    return Actor(user_id=None, username=role, role=role)


def test_the_declared_role_runs_the_use_case(db: Database) -> None:
    with db.uow(actor(Role.PHYSICIAN)) as uow:
        assert approve_something(uow, "plan 1") == "approved plan 1"
    assert approve_something.__name__ == "approve_something"
    assert approve_something.__doc__ == "A physician's use case."


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PHYSICIAN])
def test_every_other_role_is_refused_before_the_use_case_runs(db: Database, role: str) -> None:
    ran.clear()
    with db.uow(actor(role)) as uow, pytest.raises(Forbidden):
        approve_something(uow, "plan 2")
    assert ran == []


def test_routes_and_pages_read_the_declaration() -> None:
    assert roles_of(approve_something) == (Role.PHYSICIAN,)
    assert allowed(actor(Role.PHYSICIAN), approve_something)
    assert not allowed(actor(Role.NURSE), approve_something)


def test_a_function_without_a_declaration_cannot_be_gated() -> None:
    def undeclared(uow: UnitOfWork) -> None: ...

    with pytest.raises(TypeError, match="not declared with @use_case"):
        roles_of(undeclared)


ROLE_LISTS = re.compile(r"\ballow\(|\.require_role\(")
WHERE_ROLES_ARE_ENFORCED = {"core/db.py", "core/use_case.py", "web/deps.py"}


def test_no_route_or_service_lists_roles_beside_the_declaration() -> None:
    package = Path(sclero.__file__).parent
    found = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if str(path.relative_to(package)) not in WHERE_ROLES_ARE_ENFORCED
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_LISTS.search(line) and "roles_of(" not in line
    ]
    assert found == [], f"declare roles with @use_case and gate with may(...): {found}"
