"""Ids for rows before they are inserted, so a bulk insert needs no RETURNING and a row can be
given what depends on its id (a record number) in the INSERT itself."""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, select


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
