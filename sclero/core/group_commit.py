"""Group commit of the audit rows of units of work that only read.

A request that only reads still leaves its audit row, and may answer only once that row is
committed. Written one transaction per request, every read of the clinic queues behind the
audit chain's lock (PostgreSQL) or SQLite's one writer, and waits for a commit to reach the disk
while holding it: that lock, not the reading, caps how many reads a server answers.

Here the requests of one process that are waiting at the same moment share one transaction: the
first to arrive writes every row waiting then (a leader); the others sleep until the commit that
holds theirs has ended. One request alone still writes its row at once. No row is held back in
memory after its request answered: a response leaves only when its audit row is committed, and a
request whose batch failed is refused with the error (nothing read goes unaudited).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

READ_GROUPS = "sclero_read_groups"
"""Key in a session's `info` under which the reads of several units of work wait for the audit
log's commit hook (one audit row per unit of work)."""

MOST_PER_COMMIT = 500
"""A bound on one shared transaction, so a leader never holds the writer for long."""


@dataclass
class _Ticket:
    reads: list[Any]
    done: bool = False
    error: BaseException | None = None


class ReadAuditCommits:
    """The audit rows of read-only units of work, committed in shared transactions."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._changed = threading.Condition()
        self._waiting: list[_Ticket] = []
        self._leading = False

    @property
    def waiting(self) -> int:
        """How many units of work wait for a commit not yet begun."""
        with self._changed:
            return len(self._waiting)

    def write(self, reads: list[Any]) -> None:
        """Return once the audit row of `reads` is committed; raise the commit's error if the
        transaction that carried it failed."""
        ticket = _Ticket(reads)
        with self._changed:
            self._waiting.append(ticket)
            while not ticket.done:
                if self._leading:
                    self._changed.wait()
                else:
                    self._lead()
        if ticket.error is not None:
            raise ticket.error

    def _lead(self) -> None:
        """Commit what waits now (called holding the condition; released while committing)."""
        batch = self._waiting[:MOST_PER_COMMIT]
        del self._waiting[:MOST_PER_COMMIT]
        self._leading = True
        self._changed.release()
        error: BaseException | None = None
        try:
            self._commit(batch)
        except BaseException as failed:  # every request of the batch hears of it
            error = failed
        finally:
            self._changed.acquire()
            self._leading = False
            for ticket in batch:
                ticket.done, ticket.error = True, error
            self._changed.notify_all()

    def _commit(self, batch: list[_Ticket]) -> None:
        with self._session_factory() as session:
            session.info[READ_GROUPS] = [ticket.reads for ticket in batch]
            session.commit()
