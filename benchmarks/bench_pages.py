"""Page render times on a demo clinic of realistic size, against a same-run baseline.

    uv run python benchmarks/bench_pages.py [--patients 10000] [--repeat 30] [--plot FILE]

Generates the clinic into a fresh temporary SQLite database (or uses --database-url, already
migrated and loaded), signs in as the demo physician, and requests each page in-process through
the real app (routing, auth, services, audit writes, templates). The baseline is /healthz in the
same run: the framework's own cost per request. Prints median and 95th percentile per page and
its ratio to the baseline; --plot writes a bar chart.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import track
from rich.table import Table
from sqlalchemy import func, select

from sclero.app import create_app
from sclero.charting.models import TreatmentSession
from sclero.cli import freeze_startup_objects
from sclero.core.db import Database, upgrade_database
from sclero.core.settings import get_settings
from sclero.demo.generator import generate_clinic
from sclero.demo.staff import DEMO_PASSWORD, ensure_demo_users
from sclero.patients.models import Patient
from sclero.planning.models import TreatmentPlan

PAGES = (
    "/today",
    "/patients",
    "/patients?q=ber",
    "/patients/{patient_id}",
    "/patients/{patient_id}/evaluation",
    "/patients/{patient_id}/assessment",
    "/patients/{patient_id}/plan",
    "/plans/{plan_id}",
    "/sessions/{session_id}",
    "/patients/{patient_id}/appointments",
    "/patients/{patient_id}/follow-ups",
    "/patients/{patient_id}/adverse-events",
    "/calendar?view=week",
    "/calendar?view=day",
)
SIZES: dict[str, int] = {}  # bytes of HTML each page answered (the bound is 200 KB)


def prepare(url: str | None, patients: int) -> Database:
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        upgrade_database(url)
        database = Database(url)
        with database.sessions() as session:
            ensure_demo_users(session)
            session.commit()
            started = time.perf_counter()
            generate_clinic(session, patients)
            seconds = time.perf_counter() - started
            Console().print(f"Generated {patients} patients in {seconds:.1f} s")
        return database
    return Database(url)


def sample_ids(database: Database) -> dict[str, int]:
    """A patient in the middle of the clinic who has a plan and a session."""
    with database.sessions() as session:
        row = session.execute(
            select(TreatmentSession.patient_id, TreatmentSession.id, TreatmentSession.plan_id)
            .order_by(TreatmentSession.id)
            .offset(session.scalar(select(func.count()).select_from(TreatmentSession)) // 2)
            .limit(1)
        ).one()
        if session.get(Patient, row[0]) is None or session.get(TreatmentPlan, row[2]) is None:
            raise SystemExit("the demo clinic has a session without its patient or plan")
    return {"patient_id": row[0], "session_id": row[1], "plan_id": row[2]}


class CollectorPauses:
    """How long each garbage collection took while the pages were timed (gc.callbacks)."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)

    def summary(self) -> str:
        if not self.pauses_ms:
            return "no garbage collection ran"
        longest = max(self.pauses_ms)
        return f"{len(self.pauses_ms)} collections, longest pause {longest:.1f} ms"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(client: TestClient, path: str, repeat: int) -> list[float]:
    client.get(path)  # warm caches and templates
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        SIZES[path] = len(response.content)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="repeat all pages; memory per round")
    parser.add_argument("--database-url")
    parser.add_argument("--plot", type=Path, default=Path("benchmarks/results/pages.png"))
    args = parser.parse_args()
    database = prepare(args.database_url, args.patients)
    ids = sample_ids(database)
    client = TestClient(create_app(get_settings(), database))
    freeze_startup_objects()  # as `sclero serve` does
    client.get("/login")
    client.post(
        "/login",
        data={
            "username": "physician",
            "password": DEMO_PASSWORD,
            "csrf_token": client.cookies["sclero_csrf"],
        },
    )
    baseline = statistics.median(timed(client, "/healthz", args.repeat))
    pauses = CollectorPauses()
    gc.callbacks.append(pauses)
    results: dict[str, list[float]] = {}
    memory = []
    for round_ in range(args.rounds):
        for page in track(PAGES, description=f"Timing pages, round {round_ + 1}"):
            results.setdefault(page, []).extend(timed(client, page.format(**ids), args.repeat))
        memory.append(rss_mb())
    gc.callbacks.remove(pauses)
    report(results, baseline, args.patients, {p: SIZES[p.format(**ids)] for p in PAGES})
    Console().print(f"Garbage collector: {pauses.summary()}")
    Console().print(
        "Resident memory after each round (MB): " + ", ".join(f"{m:.0f}" for m in memory)
    )
    plot(results, baseline, args.plot)


def report(
    results: dict[str, list[float]], baseline: float, patients: int, sizes: dict[str, int]
) -> None:
    table = Table(title=f"Page render times, {patients} patients (ms, in-process)")
    for column in ("page", "median", "p95", "× /healthz", "KB"):
        table.add_column(column, justify="left" if column == "page" else "right")
    table.add_row("/healthz (baseline)", f"{baseline:.1f}", "", "1.0", "")
    for page, times in results.items():
        p95 = statistics.quantiles(times, n=20)[-1]
        median = statistics.median(times)
        size = sizes[page] / 1024
        row = (f"{median:.1f}", f"{p95:.1f}", f"{median / baseline:.0f}", f"{size:.0f}")
        table.add_row(page, *row)
    Console().print(table)


def plot(results: dict[str, list[float]], baseline: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(results)
    medians = [statistics.median(results[n]) for n in names]
    p95s = [statistics.quantiles(results[n], n=20)[-1] for n in names]
    figure, axis = plt.subplots(figsize=(9, 5.5))
    axis.barh(names, p95s, color="#c9d8e3", label="95th percentile")
    axis.barh(names, medians, color="#0b5c7a", label="median")
    axis.axvline(100, color="#a3161a", linestyle="--", label="100 ms target")
    axis.axvline(
        baseline, color="#555", linestyle=":", label=f"/healthz baseline {baseline:.1f} ms"
    )
    axis.invert_yaxis()
    axis.set_xlabel("milliseconds per page")
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    Console().print(f"Plot written to {path}")


if __name__ == "__main__":
    main()
