"""The demo generator's run state and bulk writing: ids assigned in Python, Core inserts."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from queue import Queue
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from sclero.core.audit import chain_rows
from sclero.core.bulk import insert_rows
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

    def take(self) -> dict[str, list[dict[str, Any]]]:
        """The waiting rows, handed over; none wait afterwards."""
        taken, self.by_table = dict(self.by_table), defaultdict(list)
        return taken

    def write(self, session: Session) -> dict[str, int]:
        """Insert every waiting row now and return the counts."""
        return write_tables(session, self.take())


def write_tables(session: Session, by_table: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Insert rows per table (one COPY or executemany each, parents first); the counts."""
    counts = {}
    for name in WRITE_ORDER:
        rows = by_table.get(name)
        if rows:
            table: Table = metadata.tables[name]
            if name == "audit_log":
                chain_rows(session.connection(), rows)
            counts[name] = insert_rows(session.connection(), table, rows)
    return counts


class Writer:
    """Writes and commits batches in a thread of its own while the next batch is generated: the
    database (the PostgreSQL server, SQLite's C code) works while Python makes rows. At most
    one batch waits, so memory stays flat. The session is used by this thread only until
    `close()` returns."""

    def __init__(self, session: Session, done: Callable[[int], None] | None = None) -> None:
        self.session, self.done = session, done
        self.counts: Counter[str] = Counter()
        self._queue: Queue[tuple[dict[str, list[dict[str, Any]]], int] | None] = Queue(1)
        self._error: BaseException | None = None
        self._abandoned = False
        self._committed = 0
        self._thread = threading.Thread(target=self._run, name="demo-writer", daemon=True)
        self._thread.start()

    def submit(self, by_table: dict[str, list[dict[str, Any]]], done: int) -> None:
        """Queue one batch (waits while the previous one is still queued)."""
        self._raise()
        self._queue.put((by_table, done))

    def close(self) -> Counter[str]:
        """Wait for every queued batch to be committed; the counts written."""
        self._queue.put(None)
        self._thread.join()
        self._raise()
        return self.counts

    def abandon(self) -> None:
        """Stop without writing what is still queued (the generating thread failed)."""
        self._abandoned = True
        self._queue.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None or self._abandoned:
                continue  # drain: the generating thread sees the error at its next submit
            try:
                self.counts.update(write_tables(self.session, item[0]))
                fast_commits(self.session)
                self.session.commit()
                self._committed += 1
                if self._committed & (self._committed - 1) == 0:  # batches 1, 2, 4, 8, …
                    refresh_statistics(self.session, item[0])
                if self.done is not None:
                    self.done(item[1])
            except BaseException as error:  # handed to the generating thread
                self.session.rollback()
                self._error = error


def refresh_statistics(session: Session, by_table: dict[str, list[dict[str, Any]]]) -> None:
    """On PostgreSQL, ANALYZE the tables just written. A fresh database's statistics say its
    tables are empty, so the plans of the foreign-key checks (cached for the connection) scan
    the referenced table row by row, and each batch is slower than the last: 74 sessions/s
    after 55 000 sessions, 846/s after one ANALYZE. New statistics replace those plans; as the
    tables grow, the schedule (batches 1, 2, 4, …) keeps the cost of the ANALYZEs small."""
    if session.get_bind().dialect.name != "postgresql":
        return
    names = ", ".join(f'"{name}"' for name, rows in by_table.items() if rows)
    if names:
        session.execute(text(f"ANALYZE {names}"))
        session.commit()


def fast_commits(session: Session) -> None:
    """On PostgreSQL, this transaction's commit does not wait for its WAL to reach the disk: a
    crash may lose the last batches of a demo load, never leave it inconsistent."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


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
    history_days: int  # first visits spread over this many days before today
    return_rate: float = 0.0  # chance that a patient comes back for another course
