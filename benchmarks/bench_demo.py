"""Benchmark of the demo clinic generator against bare patient-row inserts measured in the same run.

    uv run python benchmarks/bench_demo.py [--patients 10000] [--sessions N] [--database-url URL]

The baseline writes bare patient rows through the generator's own bulk path (COPY on
PostgreSQL, executemany on SQLite, the same batches), so the ratio is what the whole pathway —
the protocol engine's screening, plans, consent texts, sessions, follow-ups, search terms —
costs on top of writing rows. Without --database-url both runs use fresh temporary SQLite
databases (migrated first, not timed). With a PostgreSQL URL the database must already be
migrated; the baseline rows are inserted in a transaction that is rolled back, the generated
clinic is kept (that is usually the point: e.g. the analytics benchmark's 100 000 patients and
1 000 000 sessions).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sclero.core.db import make_engine, upgrade_database
from sclero.demo.bulk import insert_rows
from sclero.demo.generator import BATCH, generate_clinic
from sclero.models import metadata
from sclero.patients.models import Patient


def baseline(engine: Engine, patients: int, *, keep: bool) -> float:
    """Seconds to insert `patients` bare patient rows in batches, as the generator batches."""
    table = metadata.tables["patients"]
    started = time.perf_counter()
    with Session(engine) as session:
        first = int(session.scalar(select(func.max(Patient.id))) or 0) + 1
        for start in range(0, patients, BATCH):
            rows = [
                {
                    "id": first + i,
                    "mrn": f"BASE-{first + i:08d}",
                    "first_name": "Base",
                    "last_name": "Line",
                    "birth_date": date(1980, 1, 1),
                    "sex": "female",
                }
                for i in range(start, min(patients, start + BATCH))
            ]
            insert_rows(session, table, rows)
            session.commit() if keep else session.flush()
        session.rollback()
    return time.perf_counter() - started


def demo(
    engine: Engine, patients: int, sessions: int | None, seed: int
) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    with Session(engine) as session:
        summary = generate_clinic(session, patients, seed=seed, sessions=sessions)
    return time.perf_counter() - started, summary.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="e.g. postgresql+psycopg://…")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sclero-bench-") as folder:
        if args.database_url:
            base_engine = demo_engine = make_engine(args.database_url)
            keep = False
        else:
            urls = [f"sqlite:///{Path(folder) / name}" for name in ("baseline.db", "demo.db")]
            for url in urls:
                upgrade_database(url)
            base_engine, demo_engine = (make_engine(url) for url in urls)
            keep = True
        base_seconds = baseline(base_engine, args.patients, keep=keep)
        demo_seconds, counts = demo(demo_engine, args.patients, args.sessions, args.seed)
        base_engine.dispose()
        demo_engine.dispose()

    rows = sum(counts.values()) - counts["users"]
    base_rate = args.patients / base_seconds
    print(f"database        {demo_engine.dialect.name}")
    print(f"patients        {args.patients}")
    print(f"sessions        {counts['treatment_sessions']}  injections {counts['injections']}")
    print(f"rows written    {rows} ({rows / args.patients:.1f} per patient)")
    print(f"baseline        {base_seconds:8.2f} s  {base_rate:10.0f} rows/s  (bare patient rows)")
    print(
        f"demo generator  {demo_seconds:8.2f} s  {rows / demo_seconds:10.0f} rows/s"
        f"  {args.patients / demo_seconds:8.0f} patients/s"
        f"  {counts['treatment_sessions'] / demo_seconds:8.0f} sessions/s  (whole pathway)"
    )
    print(f"per patient     {demo_seconds / base_seconds:8.1f} × the baseline")
    print(f"per row         {base_rate / (rows / demo_seconds):8.1f} × the baseline")


if __name__ == "__main__":
    main()
