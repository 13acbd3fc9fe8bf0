"""The demo generator's run state and bulk writing: ids assigned in Python, Core inserts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from sclero.core.audit import chain_rows
from sclero.models import metadata
from sclero.rules import Protocol

# Parents before children, so foreign keys hold at every insert.
TABLE_ORDER = (
    "patients",
    "patient_history",
    "patient_medications",
    "patient_allergies",
    "vein_findings",
    "duplex_findings",
    "evaluations",
    "treatment_plans",
    "plan_items",
    "consents",
    "appointments",
    "treatment_sessions",
    "injections",
    "follow_ups",
    "region_clearances",
    "adverse_events",
    "patient_holds",
    "audit_log",
)
WRITE_ORDER = ("patients", "patient_search_terms", *TABLE_ORDER[1:])
"""Tables in the order rows are inserted: the search terms (no id of their own) follow patients."""


class Ids:
    """Next free id per table, starting after the largest id already stored."""

    def __init__(self, last: dict[str, int]) -> None:
        self._last = dict(last)

    @classmethod
    def from_database(cls, session: Session) -> Ids:
        last = {}
        for name in TABLE_ORDER:
            table = metadata.tables[name]
            last[name] = int(session.scalar(select(func.max(table.c.id))) or 0)
        return cls(last)

    def next(self, table: str) -> int:
        self._last[table] += 1
        return self._last[table]

    def peek(self, table: str) -> int:
        """The id `next(table)` will give."""
        return self._last[table] + 1

    def advance(self, table: str, count: int) -> None:
        self._last[table] += count


class Rows:
    """Rows waiting to be written, per table."""

    def __init__(self) -> None:
        self.by_table: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.by_table[table].append(row)

    def extend(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.by_table[table].extend(rows)

    def write(self, session: Session) -> dict[str, int]:
        """Insert every row (one executemany per table) and return the counts."""
        counts = {}
        for name in WRITE_ORDER:
            rows = self.by_table.get(name)
            if rows:
                table: Table = metadata.tables[name]
                if name == "audit_log":
                    chain_rows(session.connection(), rows)
                session.execute(insert(table), rows)
                counts[name] = len(rows)
        self.by_table.clear()
        return counts


def reset_sequences(session: Session) -> None:
    """On PostgreSQL, move each id sequence past the ids inserted explicitly."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in TABLE_ORDER:
        table = metadata.tables[name]
        top = func.max(table.c.id)
        sequence = func.pg_get_serial_sequence(name, "id")
        session.execute(select(func.setval(sequence, func.coalesce(top, 1), top.is_not(None))))


@dataclass
class Clinic:
    """What every patient of one generator run shares."""

    seed: int
    today: date
    now: datetime
    staff: dict[str, int]
    protocol: Protocol
    ids: Ids
    rows: Rows
    new_today_from: int  # patients with this index or higher have their first visit today
