"""Bulk writes: ids reserved before rows are inserted (so a row can carry what depends on its id,
a record number, in the INSERT itself), and many rows inserted in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, String, Table, func, insert, literal_column, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine


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


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys. PostgreSQL: one INSERT … SELECT FROM unnest()
    of one array per column (psycopg's executemany sends and adapts every row on its own, which
    cost more than the database's work); elsewhere an executemany."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    arrays = [sql_cast([row[n] for row in rows], ARRAY(_unbounded(table.c[n].type))) for n in names]
    columns = func.unnest(*arrays).table_valued(*names)
    source: Select[Any] = select(literal_column("*")).select_from(columns)
    connection.execute(insert(table).from_select(names, source))


def _unbounded(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """A string type without its length: an explicit cast to varchar(n) would cut a longer
    value silently, where the INSERT refuses it as an ordinary one does."""
    return String() if isinstance(type_, String) else type_
