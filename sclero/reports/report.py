"""The clinic outcomes report: every aggregate run once in the database, shaped into tables
with the protocol's success definition, benchmark band and published event rates beside them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping

from sclero.reports import outcome_tables, queries, scope_tables, summary_queries, work_tables
from sclero.reports.filters import ReportFilters
from sclero.reports.headline import Headline, Runner, TableBuilder
from sclero.reports.scope import Scope
from sclero.reports.stats import share, wilson
from sclero.reports.tables import ReportTable
from sclero.rules import Protocol


@dataclass(frozen=True)
class SummaryUse:
    """The report came from the summary tables, kept in step with every change and last
    rebuilt from nothing at `rebuilt_at` (UTC, ISO 8601)."""

    rebuilt_at: str


@dataclass(frozen=True)
class OutcomesReport:
    filters: ReportFilters
    protocol_id: str
    protocol_version: str
    headline: Headline
    tables: dict[str, ReportTable]
    sources: dict[str, str]  # source id → citation, for every id the report names
    summary: SummaryUse | None = None  # None: computed from the live tables

    def to_document(self) -> dict[str, Any]:
        return {
            "filters": self.filters.as_dict(),
            "computed_from": "summary" if self.summary else "live",
            "summary_rebuilt_at": None if self.summary is None else self.summary.rebuilt_at,
            "protocol": {"id": self.protocol_id, "version": self.protocol_version},
            "headline": self.headline.to_document(),
            "tables": {key: table.to_document() for key, table in self.tables.items()},
            "sources": self.sources,
        }


Aggregates = Mapping[str, Callable[[Scope], Any]]
SideReader = Callable[[], AbstractContextManager[Connection | None]]
"""Opens a connection of its own that sees what is committed (None when none is free)."""

REGION_AGGREGATES = (
    "success",
    "success_by_vein_type",
    "success_by_technique",
    "success_by_agent",
    "clearance_by_sessions",
    "time_to_success",
)
"""The aggregates over the treated regions: about half of a whole report's time, so a whole
report reads them on a side connection while its own connection reads the others."""

_BESIDE = ThreadPoolExecutor(thread_name_prefix="report-regions")


def build_report(
    connection: Connection,
    filters: ReportFilters,
    protocol: Protocol,
    today: date,
    progress: Callable[[str], None] | None = None,
    only: Collection[str] | None = None,
    *,
    summary_rebuilt_at: datetime | None = None,
    side_reader: SideReader | None = None,
) -> OutcomesReport:
    """Run the aggregates for `filters` on `connection` and shape the report (every table, or
    the tables named in `only`; the headline always). `progress` hears each aggregate's name.
    With `summary_rebuilt_at` the aggregates read the summary tables, else the live ones. With
    a `side_reader`, a whole report reads its region aggregates on a connection of that, in a
    thread (both databases' drivers let go of the interpreter while the database works): each
    aggregate is one statement over what was committed when it began, as on one connection."""
    scale = protocol.spec.clearance_scale
    scope = Scope(
        filters=filters,
        dialect=connection.dialect.name,
        success_level=scale.success_level,
        follow_up_days=protocol.follow_up_days,
        follow_up_grace_days=protocol.follow_up_grace_days,
        today=today,
    )

    def aggregates_on(on: Connection) -> AbstractContextManager[Aggregates]:
        if summary_rebuilt_at is None:
            return nullcontext(queries.AGGREGATES)
        return _summary_aggregates(on, scope)

    with aggregates_on(connection) as aggregates:
        run = _Runner(connection, scope, aggregates, progress)
        if side_reader is not None and only is None:
            _run_all_beside(run, side_reader, aggregates_on)
        report = _shape(run, scope, protocol, only)
    if summary_rebuilt_at is None:
        return report
    used = SummaryUse(summary_rebuilt_at.replace(microsecond=0).isoformat() + "+00:00")
    return replace(report, summary=used)


@contextmanager
def _summary_aggregates(connection: Connection, scope: Scope) -> Iterator[Aggregates]:
    with scope_tables.materialised(connection, scope) as source:
        yield summary_queries.aggregates(source)


class _Runner:
    """Runs an aggregate by name once (the tables that share one reuse its rows)."""

    def __init__(
        self,
        connection: Connection,
        scope: Scope,
        aggregates: Aggregates,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.connection, self.scope, self.aggregates = connection, scope, aggregates
        self.progress = progress
        self.done: dict[str, list[Mapping[str, Any]]] = {}

    def __call__(self, name: str) -> list[Mapping[str, Any]]:
        if name not in self.done:
            self.add(name, _rows(self.connection, self.aggregates[name](self.scope)))
        return self.done[name]

    def add(self, name: str, rows: list[Mapping[str, Any]]) -> None:
        self.done[name] = rows
        if self.progress is not None:
            self.progress(name)


def _run_all_beside(
    run: _Runner,
    side_reader: SideReader,
    aggregates_on: Callable[[Connection], AbstractContextManager[Aggregates]],
) -> None:
    """Every aggregate of `run`: the region ones on a side connection, in a thread, while this
    thread runs the others; all on this connection when no side connection is free."""

    def regions() -> dict[str, list[Mapping[str, Any]]] | None:
        with side_reader() as side:
            if side is None:
                return None
            with aggregates_on(side) as aggregates:
                return {n: _rows(side, aggregates[n](run.scope)) for n in REGION_AGGREGATES}

    beside = _BESIDE.submit(regions)
    try:
        for name in run.aggregates:
            if name not in REGION_AGGREGATES:
                run(name)
    finally:
        wait([beside])  # the side connection is done before this report ends, even on an error
    for name, rows in (beside.result() or {}).items():
        run.add(name, rows)


def _rows(connection: Connection, query: Any) -> list[Mapping[str, Any]]:
    return [_plain(row) for row in connection.execute(query).mappings()]


def _plain(row: RowMapping) -> Mapping[str, Any]:
    """Database numbers as Python ints and floats (PostgreSQL sums and averages are Decimal)."""
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in row.items()}


def _shape(
    run: Runner, scope: Scope, protocol: Protocol, only: Collection[str] | None
) -> OutcomesReport:
    scale = protocol.spec.clearance_scale
    totals = run("totals")[0]
    overall = run("success")[0]
    lost = run("lost_to_follow_up")[0]
    benchmark = (scale.benchmark_percent.min / 100, scale.benchmark_percent.max / 100)
    headline = Headline(
        sessions=int(totals["sessions"]),
        patients=int(totals["patients"]),
        foam_sessions=int(totals["foam_sessions"]),
        treated_regions=int(overall["regions"]),
        assessed_regions=int(overall["assessed"]),
        successes=int(overall["successes"]),
        success_share=share(overall["successes"], overall["assessed"]),
        success_ci=wilson(int(overall["successes"]), int(overall["assessed"])),
        benchmark=benchmark,
        success_level=scale.success_level,
        success_label=protocol.clearance_labels.get(scale.success_level, str(scale.success_level)),
        lost_to_follow_up=int(lost["lost"]),
        interval_overrides=int(totals["interval_overrides"]),
        limit_overrides=int(totals["limit_overrides"]),
    )
    keys = list(BUILDERS) if only is None else [k for k in BUILDERS if k in only]
    tables = [BUILDERS[key](run, headline, protocol) for key in keys]
    cited = {s for table in tables for s in table.sources}
    citations = {entry.id: entry.citation for entry in protocol.spec.sources if entry.id in cited}
    return OutcomesReport(
        filters=scope.filters,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        headline=headline,
        tables={table.key: table for table in tables},
        sources=citations,
    )


BUILDERS: dict[str, TableBuilder] = {
    "success": outcome_tables.success_table,
    "clearance_by_sessions": outcome_tables.clearance_table,
    "time_to_success": outcome_tables.time_to_success_table,
    "sessions_per_patient": outcome_tables.sessions_per_patient_table,
    "adverse_events": outcome_tables.adverse_events_table,
    "adverse_event_outcomes": outcome_tables.event_outcomes_table,
    "limit_use": work_tables.limit_use_table,
    "overrides": work_tables.overrides_table,
    "override_reasons": work_tables.override_reasons_table,
    "interval_overrides": work_tables.interval_overrides_table,
    "sessions_per_month": work_tables.sessions_per_month_table,
    "appointments": work_tables.appointments_table,
    "follow_ups": work_tables.follow_up_table,
    "satisfaction": work_tables.satisfaction_table,
    "protocol": work_tables.protocol_table,
}
"""Every table of the report by key, in the order the report shows them."""
AGGREGATE_COUNT = len(queries.AGGREGATES)
