"""Optimistic concurrency: a version on every row a second user may change, checked on write.

A client reads a record with its version (the API's `ETag`, a page form's hidden field) and sends
that version back with its change (`If-Match`, the same hidden field). A change made on an older
version than the row's is refused (412), so one person's save never silently overwrites what
another saved in between; the database checks it again when it writes (`version_id_col`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from sclero.core.errors import PreconditionFailed, PreconditionRequired


class Versioned:
    """Adds `version` (1 on insert, +1 on every update, compared in the UPDATE's WHERE)."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (built per table, on the class)
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def label_of(row: object) -> str:
    return str(getattr(row, "__label__", "record"))


def check_version(row: Versioned, expected: int | None, what: str | None = None) -> None:
    """Refuse a change made without a version (428) or on an older one than the row's (412)."""
    what = what or label_of(row)
    if expected is None:
        raise PreconditionRequired(
            f"Sclero needs the version of this {what} you read (the ETag, sent back in an "
            "If-Match header) to check that nobody changed it in the meantime.",
            field="version",
        )
    if row.version != expected:
        raise stale(what, current=row.version)


def stale(what: str, current: int | None = None) -> PreconditionFailed:
    detail = {} if current is None else {"current_version": current}
    return PreconditionFailed(
        f"Someone else changed this {what} after you opened it. Nothing of yours was saved: "
        "look at their change, then make yours again.",
        field="version",
        **detail,
    )


def snapshot(row: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """The plain values of `fields` on `row`, as the audit log keeps them."""
    return {name: plain(getattr(row, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{field: {"old": …, "new": …}}` for every field whose value differs."""
    return {
        name: {"old": before[name], "new": after[name]}
        for name in before
        if before[name] != after.get(name)
    }


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
