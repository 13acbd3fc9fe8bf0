"""The report from the summary makes its scope once, as temporary tables of its connection
(reports/scope_tables.py): they are gone when the report is done, a second report on the same
connection makes them again, and a report that failed half-way leaves nothing in the way of
the next. That the figures equal the live ones is test_summary.py's part."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from sclero.reports import scope_tables, summary
from sclero.reports.report import build_report
from sclero.rules import default_protocol
from tests.factories.reports import TODAY, KnownClinic
from tests.integration.reports.test_summary import ALL, SUCCESS_LEVEL

PROTOCOL = default_protocol()


def temporary_tables(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        found = connection.execute(text("SELECT name FROM sqlite_temp_master WHERE type='table'"))
    else:
        found = connection.execute(text("SELECT relname FROM pg_class WHERE relpersistence='t'"))
    return {str(name) for (name,) in found}


def report(connection: Connection, **kw: Any) -> dict[str, Any]:
    built = summary.state(connection)
    assert built is not None
    made = build_report(connection, ALL, PROTOCOL, TODAY, summary_rebuilt_at=built.rebuilt_at, **kw)
    return made.to_document()


@pytest.fixture
def connection(session: Session, known: KnownClinic) -> Connection:
    summary.rebuild(session.connection(), SUCCESS_LEVEL)
    session.commit()
    return session.connection()


def test_the_scope_tables_are_gone_after_the_report_and_made_again_by_the_next(
    connection: Connection,
) -> None:
    before = temporary_tables(connection)
    work_mem = _work_mem(connection)
    first = report(connection)
    assert temporary_tables(connection) == before
    assert _work_mem(connection) == work_mem
    assert report(connection) == first
    assert first["headline"]["treated_regions"] == 5


def test_a_report_that_failed_half_way_leaves_nothing_in_the_way_of_the_next(
    session: Session, connection: Connection
) -> None:
    expected = report(connection)

    def fail_after_the_regions(name: str) -> None:
        if name == "success_by_vein_type":
            raise RuntimeError("the request was cancelled")

    with pytest.raises(RuntimeError):
        report(connection, progress=fail_after_the_regions)
    assert report(connection) == expected  # the same transaction goes on: its tables replaced
    with pytest.raises(RuntimeError):
        report(connection, progress=fail_after_the_regions)
    session.rollback()
    assert report(session.connection()) == expected


def _work_mem(connection: Connection) -> str | None:
    if connection.dialect.name != "postgresql":
        return None
    return str(connection.scalar(text("SELECT current_setting('work_mem')")))


def test_every_scope_table_has_its_ddl_on_both_databases_in_a_fresh_process() -> None:
    """A column copied from a foreign key has no type until its table is resolved, and the
    test process has resolved them all: a fresh one is what the server and the CLI run."""
    script = (
        "from sqlalchemy.dialects import postgresql, sqlite\n"
        "from sqlalchemy.schema import CreateTable\n"
        "from sclero.reports import scope_tables\n"
        "for table in scope_tables._METADATA.tables.values():\n"
        "    for dialect in (sqlite.dialect(), postgresql.dialect()):\n"
        "        print(CreateTable(table).compile(dialect=dialect))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)  # noqa: S603 - fixed code
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("CREATE TEMPORARY TABLE") == 2 * len(scope_tables._METADATA.tables)
