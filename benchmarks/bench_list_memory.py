"""Objects, memory and collector pauses of the week calendar's loading: ORM objects of the whole
week (what the page loaded before it was bounded) against Core rows, paired in the same run.

    uv run python benchmarks/bench_list_memory.py [--patients 20000 | --database-url URL] \
        [--views 200] [--rounds 3]

The database is a demo clinic generated into a temporary SQLite file, or --database-url (already
migrated and loaded; 100 000 patients is the size at which the week calendar reached 844 KB).
Each variant runs in a fresh interpreter, `--views` times, as a physician's unit of work (role
check, queries, audit entry); the rounds alternate their order. Per variant it prints the median
milliseconds per view, the objects each view leaves for the garbage collector (gc-tracked objects
alive while its result is held), the collections and the longest collector pause (gc.callbacks),
and resident memory after the views; ratios are against the ORM variant.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_pages import prepare
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from sclero.core.auth import Role
from sclero.core.db import Actor, Database, UnitOfWork
from sclero.core.settings import get_settings
from sclero.scheduling import service
from sclero.scheduling.models import Appointment
from sclero.scheduling.pages import WEEK_PER_DAY

Loader = Callable[[UnitOfWork, list[date]], Any]
VARIANTS: dict[str, Loader] = {
    "ORM objects, whole week (before)": lambda uow, days: service.between(uow, days[0], 7),
    "Core rows, whole week": lambda uow, days: service.calendar_days(uow, days, limit=10**6),
    f"Core rows, {WEEK_PER_DAY} a day (the page now)": lambda uow, days: service.calendar_days(
        uow, days, limit=WEEK_PER_DAY
    ),
}
DOCTOR = Actor(user_id=None, username="bench", role=Role.PHYSICIAN, address="local")


def busiest_week(database: Database) -> list[date]:
    """The Monday-to-Sunday week around the clinic's busiest day."""
    with database.sessions() as session:
        day = func.date(Appointment.starts_at)
        busiest = session.execute(
            select(day).group_by(day).order_by(func.count().desc()).limit(1)
        ).scalar_one()
    first = date.fromisoformat(str(busiest)[:10])
    first -= timedelta(days=first.weekday())
    return [first + timedelta(days=i) for i in range(7)]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_one(url: str, name: str, views: int) -> dict[str, Any]:
    """One variant in this interpreter: time, objects per view, collector pauses, memory."""
    database = Database(url, get_settings())
    days = busiest_week(database)
    load = VARIANTS[name]
    with database.uow(DOCTOR) as uow:
        load(uow, days)  # warm the statement cache and the connection pool
    gc.collect()
    gc.freeze()  # as `sclero serve` does: start-up objects are out of the collector's walk
    before = len(gc.get_objects())
    with database.uow(DOCTOR) as uow:
        held = load(uow, days)
        objects = len(gc.get_objects()) - before
        del held
    pauses: list[float] = []
    started = [0.0]

    def timer(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(timer)
    times = []
    for _ in range(views):
        began = time.perf_counter()
        with database.uow(DOCTOR) as uow:
            load(uow, days)
        times.append((time.perf_counter() - began) * 1000)
    gc.callbacks.remove(timer)
    return {
        "ms": statistics.median(times),
        "objects": objects,
        "collections": len(pauses),
        "longest_pause_ms": max(pauses, default=0.0),
        "rss_mb": rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help=argparse.SUPPRESS)  # one variant, in a child process
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.database_url, args.only, args.views)))
        return
    url = args.database_url or str(prepare(None, args.patients).url)
    names = list(VARIANTS)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for round_ in range(args.rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            command = [sys.executable, __file__, "--database-url", url]
            command += ["--views", str(args.views), "--only", name]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name].append(json.loads(output.splitlines()[-1]))
            Console().print(f"round {round_ + 1}: {name} {results[name][-1]}")
    report(results, args.views)


def report(results: dict[str, list[dict[str, Any]]], views: int) -> None:
    table = Table(title=f"Week calendar loading, {views} views per run (medians of the rounds)")
    columns = ("variant", "ms/view", "objects/view", "collections", "longest pause ms", "RSS MB")
    for column in (*columns, "objects × before"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    first = statistics.median(r["objects"] for r in next(iter(results.values())))
    for name, runs in results.items():
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        table.add_row(
            name,
            f"{med['ms']:.1f}",
            f"{med['objects']:.0f}",
            f"{med['collections']:.0f}",
            f"{med['longest_pause_ms']:.1f}",
            f"{med['rss_mb']:.0f}",
            f"{med['objects'] / first:.2f}",
        )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
