"""The outcomes report's aggregates on a large generated clinic, each against a hand-written SQL
query in the same run, on SQLite and PostgreSQL: from the summary tables (what the dashboard
reads) and from the live tables.

    uv run python benchmarks/bench_reports.py [--patients 20000] [--repeat 3]
        [--sqlite-url URL] [--postgres-url URL] [--years 1]

Each database is generated with the demo generator unless it already holds a clinic (then it is
reused: pass the URL of one you loaded with `sclero demo`). Every aggregate runs `--repeat` times
from the summary tables, from the live tables (our SQLAlchemy Core statements) and as the
hand-written SQL of benchmarks/hand_sql.py over the live tables; the table prints the medians, the
ratios to the hand-written SQL, and checks all three give the same rows. The summary's full
rebuild and the whole dashboard (every aggregate plus shaping, no figures) from each are timed,
with the peak Python memory of one build; then the dashboard page itself over the real app,
signed in as the demo physician, alone and with every figure image it links (dashboard_page.py).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Connection, Date, DateTime, bindparam, func, select, text

from benchmarks.dashboard_page import page_rows, peak_memory_row
from benchmarks.hand_sql import hand_written
from sclero.charting.models import Injection, TreatmentSession
from sclero.core.db import Database, analyze, upgrade_database
from sclero.core.time import today as clinic_today
from sclero.demo.generator import generate_clinic
from sclero.demo.staff import ensure_demo_users
from sclero.patients.models import Patient
from sclero.reports import summary, summary_queries
from sclero.reports.filters import ReportFilters
from sclero.reports.queries import AGGREGATES
from sclero.reports.report import build_report
from sclero.reports.scope import Scope
from sclero.rules import default_protocol

console = Console(width=160)  # the whole table, whatever the terminal


def prepare(url: str, patients: int) -> Database:
    """A migrated database holding a demo clinic (generated now if it holds no patient)."""
    upgrade_database(url)
    database = Database(url)
    with database.sessions() as session:
        if session.scalar(select(func.count()).select_from(Patient)):
            return database
        ensure_demo_users(session)
        session.commit()
        started = time.perf_counter()
        with Progress(console=console) as progress:
            task = progress.add_task(f"Generating {patients} patients", total=patients)
            generate_clinic(
                session, patients, progress=lambda done: progress.update(task, completed=done)
            )
        seconds = time.perf_counter() - started
        rate = patients / seconds
        console.print(f"generated {patients} patients in {seconds:.0f} s ({rate:.0f}/s)")
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return database


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def normalised(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows comparable across drivers: numbers as floats rounded to 6 places."""

    def value(v: Any) -> Any:
        if isinstance(v, Decimal | float | int) and not isinstance(v, bool):
            return round(float(v), 6)
        return v

    return [tuple(value(v) for v in row) for row in rows]


def hand_parameters(scope: Scope) -> dict[str, Any]:
    return {
        "start": scope.starts,
        "end": scope.ends,
        "today": scope.today,
        "today_start": datetime.combine(scope.today, datetime.min.time()),
        "level": scope.success_level,
        "late": scope.follow_up_late_after,
    }


def hand_statement(name: str, dialect: str) -> Any:
    statement = text(hand_written(name, dialect))
    wanted = {
        "start": DateTime(),
        "end": DateTime(),
        "today": Date(),
        "today_start": DateTime(),
    }
    present = [bindparam(k, type_=t) for k, t in wanted.items() if f":{k}" in statement.text]
    return statement.bindparams(*present)


def bench_database(
    label: str,
    database: Database,
    years: int,
    repeat: int,
    keep_summary: bool = False,
    summary_only: bool = False,
) -> list[list[str]]:
    protocol = default_protocol()
    today = clinic_today()
    filters = ReportFilters(date_from=today - timedelta(days=365 * years), date_to=today)
    level = protocol.spec.clearance_scale.success_level
    rebuild: float | None = None  # None: the built summary was kept
    with database.engine.begin() as connection:
        if not (keep_summary and summary.state(connection)):
            rebuild, _ = timed(lambda: summary.rebuild(connection, level), 1)
    analyze(database.url)  # as `sclero demo` does after its rebuild: the planner sees the facts
    with database.engine.connect() as connection:
        dialect = connection.dialect.name
        scope = Scope(
            filters,
            dialect,
            level,
            protocol.follow_up_days,
            protocol.follow_up_grace_days,
            today,
        )
        params = hand_parameters(scope)
        rows = [
            _size_row(label, connection),
            [label, "summary rebuild", "kept" if rebuild is None else f"{rebuild * 1000:.0f}"],
        ]
        for name, build in AGGREGATES.items():
            kept, kept_rows = timed(
                lambda n=name: connection.execute(summary_queries.AGGREGATES[n](scope)).all(),
                repeat,
            )
            if summary_only:
                rows.append([label, name, f"{kept * 1000:.1f}"])
                continue
            ours, our_rows = timed(lambda b=build: connection.execute(b(scope)).all(), repeat)
            statement = hand_statement(name, dialect)
            hand, hand_rows = timed(lambda s=statement: connection.execute(s, params).all(), repeat)
            same = normalised(kept_rows) == normalised(our_rows) == normalised(hand_rows)
            rows.append(
                [
                    label,
                    name,
                    f"{kept * 1000:.1f}",
                    f"{ours * 1000:.1f}",
                    f"{hand * 1000:.1f}",
                    f"{kept / hand:.2f}",
                    f"{ours / hand:.2f}",
                    "yes" if same else "NO",
                ]
            )
        built = summary.state(connection)
        assert built is not None
        whole_kept, _ = timed(
            lambda: build_report(
                connection, filters, protocol, today, summary_rebuilt_at=built.rebuilt_at
            ),
            repeat,
        )
        whole: float | None = None  # None: the live tables were not timed
        if not summary_only:
            whole, _ = timed(lambda: build_report(connection, filters, protocol, today), repeat)
        rows.append(
            [
                label,
                "whole dashboard (every aggregate + shaping)",
                f"{whole_kept * 1000:.1f}",
                "" if whole is None else f"{whole * 1000:.1f}",
            ]
        )
        assert database.side_readers is not None
        side = database.side_readers.connect
        beside, _ = timed(
            lambda: build_report(
                connection,
                filters,
                protocol,
                today,
                summary_rebuilt_at=built.rebuilt_at,
                side_reader=side,
            ),
            repeat,
        )
        rows.append(
            [
                label,
                "whole dashboard, region aggregates on a side connection",
                f"{beside * 1000:.1f}",
            ]
        )
        rows.append(
            peak_memory_row(
                label,
                lambda: build_report(
                    connection, filters, protocol, today, summary_rebuilt_at=built.rebuilt_at
                ),
            )
        )
        connection.rollback()
    return rows + page_rows(label, database, repeat)


def _size_row(label: str, connection: Connection) -> list[str]:
    sessions = connection.scalar(select(func.count()).select_from(TreatmentSession))
    injections = connection.scalar(select(func.count()).select_from(Injection))
    patients = connection.scalar(select(func.count()).select_from(Patient))
    return [
        label,
        f"size: {patients} patients, {sessions} sessions, {injections} injections",
    ]


COLUMNS = (
    "database",
    "aggregate",
    "summary ms",
    "live ms",
    "hand SQL ms",
    "summary / hand",
    "live / hand",
    "same rows",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--years", type=int, default=1, help="the dashboard's date range")
    parser.add_argument("--sqlite-url", help="default: a new file in a temporary folder")
    parser.add_argument("--postgres-url", help="a PostgreSQL database to use (none: skipped)")
    parser.add_argument(
        "--keep-summary", action="store_true", help="reuse a built summary (no rebuild timed)"
    )
    parser.add_argument(
        "--summary-only", action="store_true", help="time the summary path alone (no live, no SQL)"
    )
    args = parser.parse_args()
    urls = {"SQLite": args.sqlite_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'reports.db'}"}
    if args.postgres_url:
        urls["PostgreSQL"] = args.postgres_url
    title = f"Outcomes report aggregates, {args.years} year(s), median of {args.repeat}"
    table = Table(title=title)
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in ("database", "aggregate") else "right")
    for label, url in urls.items():
        database = prepare(url, args.patients)
        for row in bench_database(
            label, database, args.years, args.repeat, args.keep_summary, args.summary_only
        ):
            table.add_row(*row, *[""] * (len(COLUMNS) - len(row)))
        database.dispose()
    console.print(table)
    console.print(f"run on {date.today()}")


if __name__ == "__main__":
    main()
