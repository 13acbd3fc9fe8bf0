"""Patient search from the search-term index against the scan it replaced, in the same run.

    uv run python benchmarks/bench_search.py [--patients 20000] [--database-url URL]

Builds (or reuses, with --database-url of a migrated, generated clinic) a demo clinic, then times
for each query the service's search (`patients.service.search_patients`: prefix ranges on
patient_search_terms) and the old query — `lower(column) LIKE '%word%'` on last name, first name
and record number, with its count — on the same database. Prints medians in ms and the ratio
old / new (how many times faster the index answers).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sclero.core.db import Actor, Database, upgrade_database
from sclero.demo.generator import generate_clinic
from sclero.patients.models import Patient
from sclero.patients.service import search_patients

DESK = Actor(user_id=None, username="bench", role="front_desk", address="bench")
QUERIES = ("mann", "berg", "anna", "sc-0001", "ol", "smith john", "zzzz")
ROUNDS = 7


def _median_ms(run: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _old_scan(session: Session, q: str) -> tuple[int, int]:
    """The search as it was: a substring LIKE on three columns, and a count of the same."""
    query = select(Patient)
    for word in q.split():
        like = f"%{word.lower()}%"
        query = query.where(
            or_(
                func.lower(Patient.last_name).like(like),
                func.lower(Patient.first_name).like(like),
                func.lower(Patient.mrn).like(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Patient.last_name, Patient.first_name, Patient.id).limit(25)
    ).all()
    return total, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url
    if not url:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='sclero-bench-search-')) / 'b.db'}"
        upgrade_database(url)
        database = Database(url)
        started = time.perf_counter()
        with database.sessions() as session:
            generate_clinic(session, args.patients, seed=11, today=date(2026, 11, 23))
        print(f"generated {args.patients} patients in {time.perf_counter() - started:.1f} s")
    database = Database(url)
    print(f"{'query':<12} {'matches':>8} {'index ms':>9} {'scan ms':>9} {'scan/index':>11}")
    for q in QUERIES:

        def indexed(q: str = q) -> object:
            with database.uow(DESK) as uow:
                return search_patients(uow, q=q)

        def scanned(q: str = q) -> object:
            with database.sessions() as session:
                return _old_scan(session, q)

        matches = indexed()[1]  # type: ignore[index]
        new, old = _median_ms(indexed), _median_ms(scanned)
        print(f"{q:<12} {matches:>8} {new:>9.2f} {old:>9.2f} {old / new:>10.1f}x")
    database.dispose()


if __name__ == "__main__":
    main()
