"""Bulk writes: ids reserved before rows are inserted (so a row can carry what depends on its id,
a record number, in the INSERT itself), and many rows inserted in one statement: COPY on
PostgreSQL, one executemany of tuples on SQLite, in the connection's own transaction.

Values are converted by each column's own SQLAlchemy type for the dialect (dates and JSON as
SQLAlchemy itself writes them) and a column left out of the rows gets its Python-side default as
a Core insert would give it, so a row written here reads back exactly like one the app wrote;
what is skipped is SQLAlchemy's per-row parameter handling, most of the cost of a Core insert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, Connection, Dialect, Table, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import CallableColumnDefault, ColumnDefault, ScalarElementColumnDefault


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` new ids of `table`'s integer `id`, in increasing order, for this transaction.

    PostgreSQL: drawn from the column's sequence, so a concurrent writer never gets them.
    SQLite: after the largest id, as SQLite itself would number them; safe because a writing
    unit of work holds the database's one write lock (BEGIN IMMEDIATE) until it ends."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        drawn = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(int(i) for i in connection.scalars(drawn))
    top = connection.scalar(select(func.max(table.c.id))) or 0
    return list(range(top + 1, top + 1 + count))


Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    """How the rows of one table (all with the same keys) become tuples for the driver."""

    columns: tuple[str, ...]
    given: tuple[str, ...]  # keys read from each row, in column order
    converters: tuple[Convert, ...]
    documents: tuple[bool, ...]  # JSON columns, whose values many rows may share
    defaults: tuple[Any, ...]  # values of the columns the rows leave out

    def tuples(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        defaults = self.defaults
        if len(self.given) == 1:
            (key,) = self.given
            read: Callable[[dict[str, Any]], tuple[Any, ...]] = lambda row: (row[key],)  # noqa: E731
        else:
            read = itemgetter(*self.given)
        converting = [
            (index, _once_per_object(convert) if document else convert)
            for index, (convert, document) in enumerate(
                zip(self.converters, self.documents, strict=True)
            )
            if convert is not None
        ]
        if not converting:
            return [(*read(row), *defaults) for row in rows]
        out = []
        for row in rows:
            values = [*read(row), *defaults]
            for index, convert in converting:
                values[index] = convert(values[index])
            out.append(tuple(values))
        return out


def _once_per_object(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, run once per document (a dict or list) however many rows hold that same object
    (a plan's session limits are held by each of its sessions). Only for one `tuples()` call: the
    rows keep the objects alive, so their ids stay theirs; conversion reads the values as they
    are then, as a row-by-row conversion would."""
    done: dict[int, Any] = {}

    def convert_once(value: Any) -> Any:
        if not isinstance(value, dict | list):
            return convert(value)
        key = id(value)
        if key not in done:
            done[key] = convert(value)
        return done[key]

    return convert_once


def _python_default(column: Column[Any]) -> tuple[bool, Any]:
    """(True, value) when a Core insert would fill `column` from Python, else (False, None)."""
    default = column.default
    if isinstance(default, ScalarElementColumnDefault):
        return True, default.arg
    if isinstance(default, CallableColumnDefault):
        # SQLAlchemy wraps a function of no arguments to take a context it then ignores
        return True, default.arg(None)  # type: ignore[arg-type]
    if isinstance(default, ColumnDefault):  # a SQL expression: only a Core insert renders it
        raise ValueError(f"{column} has a SQL default: give its value in the rows")
    return False, None  # none, or the server's


# SQLite's storage formats of SQLAlchemy's DATETIME and DATE, and the same text by C strftime.
_SQLITE_FORMATS = {
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d": (
        datetime,
        "%Y-%m-%d %H:%M:%S.%f",
    ),
    "%(year)04d-%(month)02d-%(day)02d": (date, "%Y-%m-%d"),
}


def _converter(column: Column[Any], dialect: Dialect) -> Convert:
    impl = column.type.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    fast = _SQLITE_FORMATS.get(getattr(impl, "_storage_format", None) or "")
    if dialect.name != "sqlite" or process is None or fast is None:
        return process
    kind, pattern = fast

    def strftime(value: Any) -> Any:
        """SQLAlchemy's own text, a third of the cost (its processor formats through a dict)."""
        if type(value) is kind and value.year >= 1000:  # strftime pads no year below 1000
            return value.strftime(pattern)
        return process(value)

    return strftime


def plan_for(table: Table, keys: Sequence[str], dialect: Dialect) -> _Plan:
    given = tuple(keys)
    unknown = set(given) - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column {sorted(unknown)}")
    filled = []
    for column in table.columns:
        if column.key not in given:
            has, value = _python_default(column)
            if has:
                filled.append((column, value))
    converters = tuple(_converter(table.c[key], dialect) for key in given)
    defaults = tuple(
        value if (c := _converter(column, dialect)) is None else c(value)
        for column, value in filled
    )
    return _Plan(
        columns=(*(table.c[key].name for key in given), *(column.name for column, _ in filled)),
        given=given,
        converters=converters,
        documents=tuple(isinstance(table.c[key].type, JSON) for key in given),
        defaults=defaults,
    )


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert `rows` (dicts with the same keys) into `table`; returns how many. A refusal by the
    database (a value too long, a duplicate key) is raised as SQLAlchemy raises it for an INSERT."""
    if not rows:
        return 0
    dialect = connection.dialect
    plan = plan_for(table, list(rows[0]), dialect)
    values = plan.tuples(rows)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in plan.columns)
    target = dialect.identifier_preparer.format_table(table)
    cursor = connection.connection.cursor()
    if dialect.name == "postgresql":
        statement = f"COPY {target} ({names}) FROM STDIN"
    else:
        marks = ", ".join("?" for _ in plan.columns)
        statement = f"INSERT INTO {target} ({names}) VALUES ({marks})"  # noqa: S608 (names from the schema)
    try:
        if dialect.name == "postgresql":
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        else:
            cursor.executemany(statement, values)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        cursor.close()
    return len(values)
