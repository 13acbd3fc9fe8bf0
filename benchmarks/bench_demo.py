"""Benchmark of the demo clinic generator against a bare bulk insert of the same rows, both
measured in the same run.

    uv run python benchmarks/bench_demo.py [--patients 10000] [--sessions N]
        [--database-url URL --baseline-url URL2]

The generator writes its clinic (the protocol engine's screening, plans, consent texts,
sessions, follow-ups, search terms, the audit chain: the whole pathway). The baseline then
reads every row it wrote back (not timed) and writes the very same rows into an empty migrated
database through the generator's own bulk path (COPY on PostgreSQL, executemany on SQLite),
in batches of BASELINE_BATCH rows each committed: the timed part is only the insert and commit.
So the ratio is what making the rows costs on top of writing them.

Without URLs both databases are fresh temporary SQLite files (migrated first, not timed). With
a PostgreSQL --database-url the generated clinic is kept (e.g. the analytics benchmark's
100 000 patients and 1 000 000 sessions); --baseline-url names a second, migrated database
that this benchmark empties (its demo tables and users) before the baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.orm import Session

from sclero.core.bulk import insert_rows
from sclero.core.db import make_engine, upgrade_database
from sclero.demo.generator import generate_clinic
from sclero.demo.store import WRITE_ORDER
from sclero.models import metadata

BASELINE_BATCH = 20_000
COPIED = ("users", *WRITE_ORDER)  # parents first; the demo staff copied untimed


def _batches(connection: Connection, name: str) -> Any:
    table = metadata.tables[name]
    keys = [c.key for c in table.columns]
    result = connection.execution_options(yield_per=BASELINE_BATCH).execute(select(*table.c))
    for part in result.partitions():
        yield [dict(zip(keys, row, strict=True)) for row in part]


def baseline(source: Engine, target: Engine) -> float:
    """Seconds to bulk insert (and commit) every generated row again into `target`."""
    seconds = 0.0
    with source.connect() as reading, Session(target) as session:
        for name in reversed(COPIED):
            session.execute(delete(metadata.tables[name]))
        session.commit()
        for name in COPIED:
            for rows in _batches(reading, name):
                started = time.perf_counter()
                insert_rows(session.connection(), metadata.tables[name], rows)
                session.commit()
                if name != "users":
                    seconds += time.perf_counter() - started
    return seconds


def demo(
    engine: Engine, patients: int, sessions: int | None, seed: int
) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    with Session(engine) as session:
        summary = generate_clinic(session, patients, seed=seed, sessions=sessions)
    return time.perf_counter() - started, summary.as_dict()


def _engines(args: argparse.Namespace, folder: str) -> tuple[Engine, Engine]:
    if args.database_url:
        if not args.baseline_url:
            raise SystemExit("--database-url needs --baseline-url (a second migrated database)")
        return make_engine(args.database_url), make_engine(args.baseline_url)
    urls = [f"sqlite:///{Path(folder) / name}" for name in ("demo.db", "baseline.db")]
    for url in urls:
        upgrade_database(url)
    demo_engine, base_engine = (make_engine(url) for url in urls)
    return demo_engine, base_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="e.g. postgresql+psycopg://…")
    parser.add_argument("--baseline-url", default=None, help="a second migrated database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sclero-bench-") as folder:
        demo_engine, base_engine = _engines(args, folder)
        demo_seconds, counts = demo(demo_engine, args.patients, args.sessions, args.seed)
        base_seconds = baseline(demo_engine, base_engine)
        demo_engine.dispose()
        base_engine.dispose()

    rows = sum(counts.values()) - counts["users"]
    sessions, injections = counts["treatment_sessions"], counts["injections"]
    print(f"database        {demo_engine.dialect.name}  (load {os.getloadavg()[0]:.2f})")
    print(f"patients        {args.patients}")
    print(f"sessions        {sessions}  injections {injections}")
    print(f"rows written    {rows} ({rows / args.patients:.1f} per patient)")
    for label, seconds in (("demo generator", demo_seconds), ("bare insert", base_seconds)):
        print(
            f"{label:15} {seconds:8.2f} s  {rows / seconds:9.0f} rows/s"
            f"  {args.patients / seconds:8.0f} patients/s  {sessions / seconds:8.0f} sessions/s"
            f"  {injections / seconds:8.0f} injections/s"
        )
    print(f"ratio           {demo_seconds / base_seconds:8.1f} × the bare insert of the same rows")


if __name__ == "__main__":
    main()
