"""The report's scope from the summary, made once per report as temporary tables of its
connection: the treated regions, the treated regions with the vein type, technique and agent
they were given, and the adverse events after the scoped sessions. Six figures read the treated
regions; at 1 000 000 sessions a year holds about 240 000 region facts, and grouping those again
for each figure was most of the dashboard's time. Two figures read the events.

One grouping of the range's region facts by region and value makes the values table; the
treated regions are summed from it (each session, side and region is marked on one of its
facts) unless a filter selects injections and may drop the marked fact, when they are grouped
by the summary's own statement. The scoped sessions are read from the summary by each figure
that needs them: its started_at index covers every column, so a range is one run of index
pages (a table of them cost as much to make as the figures saved). Each table is made on the
first figure that asks for it (a single figure image needs few). The tests compare every
report with the live tables. The tables are the connection's own (another request never sees
them) and are dropped when the report is done; on PostgreSQL they also go at the end of the
transaction (ON COMMIT DROP).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    CTE,
    Column,
    Connection,
    Date,
    DateTime,
    FromClause,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.schema import CreateTable, DropTable

from sclero.reports.scope import Scope, Source, events_after, region_outcomes
from sclero.reports.summary_queries import (
    SUMMARY,
    filters_injections,
    region_sessions,
    treated_conditions,
)
from sclero.reports.summary_tables import CLEARANCE_FACTS, REGION_FACTS

_METADATA = MetaData()
_TEMPORARY: dict[str, Any] = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}

_REGION_COLUMNS = (("patient_id", Integer), ("side", String(10)), ("region", String(30)))
_TREATMENT_COLUMNS = (("first_at", DateTime), ("sessions", Integer))
_OUTCOME_COLUMNS = (("best", Integer), ("first_success", Date), ("last_seen", Date))
DIMENSIONS = ("vein_type", "technique", "agent")


def _temporary(name: str, *columns: tuple[str, Any]) -> Table:
    return Table(name, _METADATA, *[Column(n, kind) for n, kind in columns], **_TEMPORARY)


TREATED_REGIONS = _temporary(
    "report_scope_regions", *_REGION_COLUMNS, *_TREATMENT_COLUMNS, *_OUTCOME_COLUMNS
)
"""The treated regions: the columns of `SUMMARY.regions` without a dimension."""

SCOPED_EVENTS = _temporary(
    "report_scope_events",
    *[(name, String()) for name in ("event_type", "severity", "outcome")],
    ("patient_id", Integer),
    ("onset_days", Integer),
)
"""The adverse events after the scoped sessions (`scope.events_after`): two figures group
them, and finding them probes the events of every session in the range."""

REGION_VALUES = _temporary(
    "report_scope_region_values",
    *_REGION_COLUMNS,
    *[(name, REGION_FACTS.c[name].type) for name in DIMENSIONS],
    *_TREATMENT_COLUMNS,
    *_OUTCOME_COLUMNS,
)
"""Each (patient, side, region, vein type, technique, agent) treated, when first and in how
many sessions, with the region's clearance: the treated regions by one of those values are its
distinct projections and, while no filter selects injections, the treated regions its sums."""


def _region_values(scope: Scope) -> Select[Any]:
    r = REGION_FACTS.c
    keys = (r.patient_id, r.side, r.region, *[r[name] for name in DIMENSIONS])
    given = (
        select(*keys, func.min(r.started_at).label("first_at"), region_sessions(scope))
        .where(*treated_conditions(scope))
        .group_by(*keys)
        .subquery("regions")
    )
    outcomes = region_outcomes(scope, given, CLEARANCE_FACTS.alias("clearance"))
    return select(*outcomes.c)


def _regions_of_values(values: Table) -> Select[Any]:
    """The treated regions summed from their values: exact when each session, side and region
    was counted once, in one of its values (the `opens_region` mark)."""
    v = values.c
    kept = [v[name] for name, _ in (*_REGION_COLUMNS, *_OUTCOME_COLUMNS)]
    return select(
        v.patient_id,
        v.side,
        v.region,
        func.min(v.first_at),
        func.sum(v.sessions),
        v.best,
        v.first_success,
        v.last_seen,
    ).group_by(*kept)


class _Materialised:
    """A `Source` reading the temporary tables, made on first use, for one scope."""

    def __init__(self, connection: Connection, scope: Scope) -> None:
        self._connection, self._scope = connection, scope
        self.made: list[Table] = []

    def _table(self, table: Table, rows: Callable[[], Select[Any]]) -> Table:
        if table not in self.made:
            self._connection.execute(DropTable(table, if_exists=True))  # left by a failed report
            self._connection.execute(CreateTable(table))
            self.made.append(table)
            self._connection.execute(insert(table).from_select(list(table.c.keys()), rows()))
        return table

    def _values(self, scope: Scope) -> Table:
        return self._table(REGION_VALUES, lambda: _region_values(scope))

    def _treated_regions(self, scope: Scope) -> Select[Any]:
        if filters_injections(scope):  # a session's marked fact may be filtered out
            return select(*SUMMARY.regions(scope).c)
        return _regions_of_values(self._values(scope))

    def _same_scope(self, scope: Scope) -> None:
        if scope != self._scope:
            raise ValueError("A materialised report scope serves the scope it was made for.")

    def sessions(self, scope: Scope) -> CTE:
        self._same_scope(scope)
        return SUMMARY.sessions(scope)

    def events(self, scope: Scope) -> FromClause:
        self._same_scope(scope)
        table = self._table(SCOPED_EVENTS, lambda: select(*events_after(self.sessions(scope)).c))
        return select(*table.c).subquery("scoped_events")

    def regions(self, scope: Scope, dimension: str | None = None) -> Subquery:
        self._same_scope(scope)
        if dimension is None:
            table = self._table(TREATED_REGIONS, lambda: self._treated_regions(scope))
            return select(*table.c).subquery("treated_regions")
        values = self._values(scope).c
        return (
            select(
                values.patient_id,
                values.side,
                values.region,
                values[dimension].label("dimension"),
                *[values[name] for name, _ in _OUTCOME_COLUMNS],
            )
            .distinct()
            .subquery("treated_regions")
        )


@contextmanager
def materialised(connection: Connection, scope: Scope) -> Iterator[Source]:
    """A source of the scope read from the summary once, for the figures of one report. After
    an error the tables stay until the transaction's rollback removes them or the next report
    on the connection replaces them: dropping them in a failed transaction would hide the
    error."""
    source = _Materialised(connection, scope)
    with _sort_memory(connection):
        yield source
    for table in reversed(source.made):
        connection.execute(DropTable(table))


REPORT_WORK_MEM = "64MB"
"""PostgreSQL's memory per sort or hash of a report statement (its default, 4 MB, sent the
grouping of a year's region facts at 1 000 000 sessions to disk: an external merge of 11 MB)."""


@contextmanager
def _sort_memory(connection: Connection) -> Iterator[None]:
    """`REPORT_WORK_MEM` for the report's statements on PostgreSQL, then the setting it had."""
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.scalar(text("SELECT current_setting('work_mem')"))
    _set_work_mem(connection, REPORT_WORK_MEM)
    yield
    _set_work_mem(connection, str(before))


def _set_work_mem(connection: Connection, value: str) -> None:
    connection.execute(text("SELECT set_config('work_mem', :value, true)"), {"value": value})
