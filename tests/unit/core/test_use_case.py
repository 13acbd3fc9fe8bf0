"""Roles are declared once, on the use case: the service refuses every other role, the route and
the pages read the same declaration, and nothing else in the code names roles for a use case."""

from __future__ import annotations

import ast
import importlib
import inspect
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


STEPS_WITH_A_DOOR = sorted(
    path.parent.name for path in Path(sclero.__file__).parent.glob("*/service.py")
)


@pytest.mark.parametrize("step", STEPS_WITH_A_DOOR)
def test_every_public_service_function_is_a_declared_use_case(step: str) -> None:
    """A step's service is its door: what it defines in public checks the role, audits and
    commits; loaders and helpers live in the step's own modules (queries.py, …)."""
    module = importlib.import_module(f"sclero.{step}.service")
    assigned = {  # `helper = other_module.helper` would pass a helper off as the step's door
        target.id
        for node in ast.parse(inspect.getsource(module)).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    undeclared = [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and (value.__module__ == module.__name__ or name in assigned)
        and not _declared(value)
    ]
    assert undeclared == [], f"sclero/{step}/service.py: make these use cases or move them"


def _declared(function: object) -> bool:
    try:
        roles_of(function)  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


ROLE_DECISIONS = re.compile(r"(?<!User)\.role\s*(==|!=|in\b|not in\b)|(==|!=)\s*Role\.")
WHERE_ROLES_ARE_DECIDED = {"core/auth.py", "core/db.py", "core/use_case.py", "web/deps.py"}
"""The declaration (use_case), its check (db, deps) and the data rules on roles (auth:
who sees clinical data, whose reason overrides a protocol check)."""


def test_pages_and_templates_decide_by_use_case_not_by_reading_the_role() -> None:
    package = Path(sclero.__file__).parent
    sources = [*package.rglob("*.py"), *package.rglob("*.html")]
    found = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(sources)
        if str(path.relative_to(package)) not in WHERE_ROLES_ARE_DECIDED
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_DECISIONS.search(line)
    ]
    assert found == [], f"use allowed(actor, use_case), sees_clinical or may_override: {found}"
