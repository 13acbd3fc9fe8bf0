"""The audit page's action filter offers every action the application writes: a new kind of
audit entry that the filter did not list could not be found by an admin."""

from __future__ import annotations

import ast
from pathlib import Path

from sclero.core import audit

SOURCE = Path(audit.__file__).resolve().parents[1]
WRITERS = {"record", "record_change", "_record_system_action"}


def written_actions() -> set[str]:
    """Every action string the code hands to the audit log (literals, and both sides of an
    `a if … else b`)."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in WRITERS and len(node.args) >= 2:
                found |= _strings(node.args[1])
    return found


def _strings(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def test_the_filter_lists_every_action_the_code_writes() -> None:
    written = written_actions()
    assert len(written) > 20  # the scan found the writers
    assert written <= set(audit.ACTIONS), sorted(written - set(audit.ACTIONS))


def test_no_action_is_listed_twice() -> None:
    assert len(audit.ACTIONS) == len(set(audit.ACTIONS))
