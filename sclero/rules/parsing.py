"""Strict parsing primitives for engine documents: objects, lists, codes, yes/no, dates.

Each refuses what it would have to guess with a CaseError naming the field, and never puts the
repr of a huge or deeply nested value into a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sclero.rules.errors import CaseError


def mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CaseError(field or "case", "expected an object with named fields")
    return value


def only(doc: Mapping[str, Any], allowed: set[str], field: str) -> None:
    for key in doc:
        if key not in allowed:
            name = ascii(str(key)[:40])[1:-1] + ("…" if len(str(key)) > 40 else "")
            where = f"{field}.{name}" if field else name
            raise CaseError(where, f"unknown field; expected one of {', '.join(sorted(allowed))}")


def list_of(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise CaseError(field, "expected a list")
    return list(value)


def answer(doc: Mapping[str, Any], key: str, field: str) -> bool | None:
    """A yes/no safety question: true, false, or None when null or missing (not answered)."""
    value = doc.get(key)
    if value is not None and not isinstance(value, bool):
        raise CaseError(f"{field}.{key}", "expected true or false (or null: not yet answered)")
    return value


def bool_of(doc: Mapping[str, Any], key: str, field: str) -> bool:
    value = doc.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise CaseError(f"{field}.{key}", "expected true or false")
    return value


def code(value: Any, codes: frozenset[str], field: str, what: str) -> str:
    if not isinstance(value, str) or value not in codes:
        raise CaseError(
            field, f"unknown {what} {shown(value)}; expected one of {', '.join(sorted(codes))}"
        )
    return str(value)


def shown(value: Any) -> str:
    """A short, one-line picture of a refused value: never the repr of a huge number or of a
    deeply nested list (which cannot be printed at all)."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if value is None or isinstance(value, bool):
        return str(value).lower() if value is not None else "null"
    return f"(a {'list' if isinstance(value, list | tuple) else type(value).__name__})"


def codes(value: Any, codes: frozenset[str], field: str, what: str) -> tuple[str, ...]:
    items = list_of(value, field)
    return tuple(
        dict.fromkeys(code(item, codes, f"{field}[{i}]", what) for i, item in enumerate(items))
    )


def optional_date(value: Any, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CaseError(field, "expected a date as YYYY-MM-DD")
