"""The two data rules on roles, in one place: who sees clinical data, and whose written reason
overrides a protocol check (only a physician's)."""

from __future__ import annotations

import pytest

from sclero.core.auth import Role, may_override, sees_clinical
from sclero.core.db import Actor


def _actor(role: Role) -> Actor:
    return Actor(user_id=None, username=role.value, role=role.value)


@pytest.mark.parametrize("role", list(Role))
def test_clinical_data_is_for_physicians_and_nurses(role: Role) -> None:
    assert sees_clinical(_actor(role)) == (role in (Role.PHYSICIAN, Role.NURSE))


@pytest.mark.parametrize("role", list(Role))
def test_only_a_physicians_reason_overrides_a_protocol_check(role: Role) -> None:
    assert may_override(_actor(role)) == (role == Role.PHYSICIAN)
