"""A whole outcomes report may read its region aggregates on a side connection, in a thread: it
gives exactly the report read on one connection, from the live tables and from the summary, and
when every side connection is in use it reads everything on its own connection instead of
waiting. Runs on committed data (a side connection sees only what is committed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from sclero.core.db import Database
from sclero.core.engine import SIDE_READERS, SideReaders
from sclero.reports import summary
from sclero.reports.filters import ReportFilters
from sclero.reports.queries import AGGREGATES
from sclero.reports.report import REGION_AGGREGATES, build_report
from sclero.rules import default_protocol
from tests.factories.reports import TODAY, KnownClinic
from tests.integration.reports.test_summary import ALL

FILTERS = [ALL, replace(ALL, technique="foam"), replace(ALL, sessions=1)]


class Counted:
    """The statements an engine's connections executed."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.heard)

    def heard(self, *_args: Any) -> None:
        self.count += 1


@pytest.fixture
def side(database_url: str, committed: KnownClinic) -> Iterator[SideReaders]:
    database = Database(database_url)
    assert database.side_readers is not None  # a database in a file or a server has them
    try:
        yield database.side_readers
    finally:
        database.dispose()


def _document(
    engine: Engine, filters: ReportFilters, rebuilt_at: datetime | None, **side: Any
) -> dict[str, Any]:
    with engine.connect() as connection:
        return build_report(
            connection,
            filters,
            default_protocol(),
            TODAY,
            summary_rebuilt_at=rebuilt_at,
            **side,
        ).to_document()


def _rebuilt_at(engine: Engine) -> datetime:
    with engine.connect() as connection:
        built = summary.state(connection)
    assert built is not None
    return built.rebuilt_at


@pytest.mark.parametrize("source", ["live", "summary"])
def test_a_report_read_beside_is_the_report_read_on_one_connection(
    engine: Engine, side: SideReaders, source: str
) -> None:
    rebuilt_at = _rebuilt_at(engine) if source == "summary" else None
    statements = Counted(side.base)
    for filters in FILTERS:
        before = statements.count
        beside = _document(engine, filters, rebuilt_at, side_reader=side.connect)
        assert statements.count - before >= len(REGION_AGGREGATES), filters  # read beside
        assert beside == _document(engine, filters, rebuilt_at), filters
        assert beside["computed_from"] == source


def test_with_every_side_connection_in_use_the_report_reads_on_its_own(
    engine: Engine, side: SideReaders
) -> None:
    statements = Counted(side.base)
    with ExitStack() as held:
        connections = [held.enter_context(side.connect()) for _ in range(SIDE_READERS)]
        assert all(isinstance(c, Connection) for c in connections)
        with side.connect() as none_free:
            assert none_free is None
        before = statements.count
        beside = _document(engine, ALL, None, side_reader=side.connect)
        assert statements.count == before  # nothing waited for, nothing read beside
    assert beside == _document(engine, ALL, None)


def test_progress_hears_every_aggregate_once_when_read_beside(
    engine: Engine, side: SideReaders
) -> None:
    heard: list[str] = []
    with engine.connect() as connection:
        build_report(
            connection, ALL, default_protocol(), TODAY, heard.append, side_reader=side.connect
        )
    assert sorted(heard) == sorted(AGGREGATES)


def test_a_database_in_memory_has_no_side_readers() -> None:
    database = Database("sqlite://")
    try:
        assert database.side_readers is None
    finally:
        database.dispose()
