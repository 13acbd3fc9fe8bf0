"""The code stays easy to enter: short functions, modules of a readable size, and no import
hidden inside a function without the reason beside it (the command line excepted: its commands
import what they need in their own body, so a quick command does not load the web app)."""

from __future__ import annotations

import ast
from pathlib import Path

import sclero

PACKAGE = Path(sclero.__file__).parent
LONGEST_FUNCTION = 50
LONGEST_MODULE = 400


def _modules() -> list[tuple[str, str, ast.Module]]:
    return [
        (str(path.relative_to(PACKAGE)), text, ast.parse(text))
        for path in sorted(PACKAGE.rglob("*.py"))
        for text in [path.read_text()]
    ]


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_function_is_longer_than_50_lines() -> None:
    long = [
        f"{name}:{f.lineno} {f.name} ({f.end_lineno - f.lineno + 1} lines)"
        for name, _, tree in _modules()
        for f in _functions(tree)
        if f.end_lineno is not None and f.end_lineno - f.lineno + 1 > LONGEST_FUNCTION
    ]
    assert long == []


def test_no_module_is_longer_than_400_lines() -> None:
    long = {
        name: lines for name, text, _ in _modules() if (lines := text.count("\n")) > LONGEST_MODULE
    }
    assert long == {}


def test_an_import_inside_a_function_says_why() -> None:
    unexplained = []
    for name, text, tree in _modules():
        if name.startswith("cli/") or name == "entry.py":
            continue
        lines = text.splitlines()
        for function in _functions(tree):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    said = "#" in lines[node.lineno - 1] or "#" in lines[node.lineno - 2]
                    if not said:
                        unexplained.append(f"{name}:{node.lineno}")
    assert unexplained == [], "import at the top, or say beside it why it cannot be there"


def test_no_block_is_left_holding_only_pass() -> None:
    """An `if TYPE_CHECKING:` (or any `if`) whose imports were all removed is dead code."""
    empty = [
        f"{name}:{node.lineno}"
        for name, _, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and all(isinstance(s, ast.Pass) for s in node.body)
    ]
    assert empty == []
