"""SQL expressions the two databases spell differently: days between dates, the month of a
timestamp, the items of a JSON list. Each compiles to SQLite's or PostgreSQL's own form, so
every report query is one SQLAlchemy Core statement on both. And one shape both run slowly when
written the obvious way: a single aggregated row turned into several (`rows_of`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    case,
    func,
    literal,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import TableValuedAlias


class days_between(FunctionElement[int]):  # noqa: N801 — reads as the SQL function it is
    """Whole days from the date of the second argument to the date of the first."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday(date({compiler.process(later, **kw)})) - "
        f"julianday(date({compiler.process(earlier, **kw)})) AS INTEGER)"
    )


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(CAST({compiler.process(later, **kw)} AS DATE) - "
        f"CAST({compiler.process(earlier, **kw)} AS DATE))"
    )


class month_start(FunctionElement[Any]):  # noqa: N801
    """The calendar month of a date or timestamp, to group by: PostgreSQL truncates the
    timestamp (formatting every row with to_char made a year of appointments 2.5 times as
    slow); SQLite's own form is already the month's text. Show it with `month_text`."""

    inherit_cache = True
    name = "month_start"


@compiles(month_start)
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date_trunc('month', {compiler.process(element.clauses, **kw)})"


class month_text(FunctionElement[str]):  # noqa: N801
    """A `month_start` as 'YYYY-MM' (a grouped query formats each group once)."""

    type = String()
    inherit_cache = True
    name = "month_text"


@compiles(month_text)
def _month_text_sqlite(element: month_text, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(month_text, "postgresql")
def _month_text_postgresql(element: month_text, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def json_items(dialect: str, column: ColumnElement[Any], *path: str) -> TableValuedAlias:
    """The text items of the JSON list at `path` in `column`, one row each (column `value`).
    Put it in the FROM beside the table of `column` (both databases join it laterally); a
    missing key, JSON null or non-list gives no rows."""
    if dialect == "postgresql":
        target: ColumnElement[Any] = column
        for key in path:
            target = target.op("->")(literal_column(f"'{_safe_key(key)}'"))
        return func.json_array_elements_text(list_or_empty(target)).table_valued("value")
    json_path = "$" + "".join(f".{_safe_key(key)}" for key in path)
    return func.json_each(column, json_path).table_valued("value", "type")


def _safe_key(key: str) -> str:
    if not key.replace("_", "").isalnum():
        raise ValueError(f"not a plain JSON key: {key!r}")
    return key


class list_or_empty(FunctionElement[Any]):  # noqa: N801
    """PostgreSQL: the JSON value when it is a list, else an empty list (a JSON null or a
    missing key would make json_array_elements_text fail)."""

    inherit_cache = True
    name = "list_or_empty"


@compiles(list_or_empty, "postgresql")
def _list_or_empty(element: list_or_empty, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(CASE WHEN json_typeof({value}) = 'array' THEN {value} ELSE '[]'::json END)"


def rows_of(
    row: FromClause, key: str, arms: Sequence[tuple[Any, Mapping[str, ColumnElement[Any]]]]
) -> Select[Any]:
    """The one row of `row` as one row per arm, in the arms' order: column `key` holds the
    arm's key and each further column the arm's expression over `row`.

    A UNION ALL of one SELECT per arm reads `row` once per arm: SQLite evaluates a common table
    expression again for every reference, even marked MATERIALIZED (five scans of a year's
    sessions for the satisfaction figure). Here `row` is read once and joined to the keys."""
    keys = union_all(
        *[select(literal(k).label(key), literal(n).label("arm")) for n, (k, _) in enumerate(arms)]
    ).subquery("arms")
    names = list(arms[0][1])
    picked = [
        case(*[(keys.c.arm == n, columns[name]) for n, (_, columns) in enumerate(arms)]).label(name)
        for name in names
    ]
    return select(keys.c[key], *picked).select_from(row.join(keys, true())).order_by(keys.c.arm)
