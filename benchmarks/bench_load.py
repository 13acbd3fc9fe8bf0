"""Load on the real server at clinic-network scale, against a bare FastAPI app in the same run.

    uv run python benchmarks/bench_load.py [--patients 100000] [--database sqlite|postgresql|both]
        [--workers 2] [--seconds 10] [--clients 1,10,50] [--plot benchmarks/results/load.png]

Builds a demo clinic once (`sclero db upgrade` + `sclero demo`, kept in benchmarks/.data/ for
SQLite and in the PostgreSQL database `sclero_bench` for the next run), starts the real server
(`sclero serve`, with `--workers` where the command has it) and, as a separate process, drives it
over loopback with wrk (Debian's `wrk`: `apt-get install wrk`) at each number of concurrent
clients: the chart, Today, search, the API patient read, the week calendar, then a mixed phase
(reads, API writes, 404s, wrong-password sign-ins). The baseline is a bare FastAPI app
(benchmarks/bare_app.py) served by the same uvicorn on the same machine in the same run. Prints
per route: requests/s, p50/p95/p99, errors (non-2xx/3xx other than the expected 401/404/429 of
the mixed phase, and socket errors), server RSS, and requests/s as a fraction of the bare app;
plots latency against concurrency. Every phase is bounded in time.

`--rounds N` repeats the read and mixed phases N times on the same server and prints, per round,
the server's RSS (the whole process group, and its largest worker) and the garbage-collector
pauses its workers logged (every pause of at least `--pause-ms`, SCLERO_GC_PAUSE_WARN_MS): by
the wall clock, and the collector's own thread CPU time (the longest pause's, and the most any
pause took; on a machine where the load generator and the database share the cores, the wall
clock also counts time the operating system gave them). Flat memory, ≤ 250 MB per worker and
no pause over 50 ms is the aim.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx2 as httpx
from rich.console import Console
from rich.table import Table

from sclero.cli import EVENT_LOOP, NODELAY_HTTP
from sclero.core.collector import PAUSE_LINE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/sclero_bench"
PASSWORD = "sclero-demo-2026"  # the demo clinic's published password (demo data only)
console = Console(width=120)

REPORT = """
server_errors = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local e = summary.errors
  local fives = 0
  for _, t in ipairs(threads) do fives = fives + (t:get("server_errors") or 0) end
  io.write(string.format(
    'RESULT {"requests":%d,"socket_errors":%d,"bad_status":%d,"server_errors":%d,'
    .. '"p50":%d,"p95":%d,"p99":%d,"us":%d}\\n',
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, fives,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.duration))
end
"""


@dataclass(frozen=True)
class Phase:
    name: str
    script: str  # a wrk Lua script


@dataclass(frozen=True)
class Result:
    phase: str
    clients: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    rss_mb: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sclero(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "sclero.cli", *args], env=env, check=True, cwd=ROOT)


def clinic_env(database: str, patients: int) -> dict[str, str]:
    """Environment of a demo clinic of `patients`, built on first use and then kept."""
    DATA.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SCLERO_DATA_DIR": str(DATA / f"{database}-{patients}")}
    if database == "sqlite":
        path = DATA / f"{database}-{patients}" / "bench.db"
        env["SCLERO_DATABASE_URL"] = f"sqlite:///{path}"
        fresh = not path.exists()
    else:
        env["SCLERO_DATABASE_URL"] = f"{PG_BENCH}?application_name=bench_{patients}"
        fresh = _fresh_postgres(patients)
    if fresh:
        console.print(f"Building a {patients}-patient clinic on {database} (kept for later runs)…")
        started = time.perf_counter()
        sclero(env, "db", "upgrade")
        sclero(env, "demo", "--patients", str(patients))
        console.print(f"  built in {time.perf_counter() - started:.0f} s")
    else:
        sclero(env, "db", "upgrade")
    return env


def _fresh_postgres(patients: int) -> bool:
    """Recreate the bench database unless it already holds a clinic of this size."""
    import psycopg

    admin = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'sclero_bench'"
        ).fetchone()
        if exists:
            try:
                with psycopg.connect(PG_BENCH.replace("+psycopg", "")) as bench:
                    row = bench.execute("SELECT count(*) FROM patients").fetchone()
                    # the mixed phase registers a few patients: still this clinic
                    if row and patients <= row[0] < patients + patients // 10:
                        return False
            except psycopg.Error:
                pass
            connection.execute("DROP DATABASE sclero_bench WITH (FORCE)")
        connection.execute("CREATE DATABASE sclero_bench")
    return True


def _serve_command(workers: int, port: int) -> list[str]:
    help_text = subprocess.run(
        [sys.executable, "-m", "sclero.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    command = [sys.executable, "-m", "sclero.cli", "serve", "--no-demo", "--port", str(port)]
    return [*command, "--workers", str(workers)] if "--workers" in help_text else command


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[tuple[int, IO[bytes]]]:
    """Run a server until the block ends; yields its process id (the process group leader) and
    the file its output goes to."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        yield from _until_stopped(process, log, port)


PAUSE = re.compile(re.escape(PAUSE_LINE) + r" for (\d+) ms \((\d+) ms of it collecting")


def logged_pauses(log: IO[bytes]) -> list[tuple[int, int]]:
    """Every collector pause the server's workers logged so far: (wall ms, collecting ms)."""
    log.seek(0)
    text = log.read().decode(errors="replace")
    return [(int(m.group(1)), int(m.group(2))) for m in PAUSE.finditer(text)]


def _until_stopped(
    process: subprocess.Popen[bytes], log: IO[bytes], port: int
) -> Iterator[tuple[int, IO[bytes]]]:
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            log.seek(0)
            raise SystemExit(f"the server did not start:\n{log.read().decode()[-2000:]}")
        yield process.pid, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def rss_mb(leader: int) -> float:
    """Resident memory of the server's whole process group, in MB."""
    return sum(process_rss_mb(leader).values())


def largest_worker_mb(leader: int) -> float:
    """Resident memory of the largest process of the group other than its leader (the process
    manager), in MB: the figure the target of ≤ 250 MB per worker is about."""
    workers = [mb for pid, mb in process_rss_mb(leader).items() if pid != leader]
    return max(workers, default=rss_mb(leader))


def process_rss_mb(leader: int) -> dict[int, float]:
    """Resident memory of each process of the server's process group, in MB."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != leader:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[int(entry.name)] = int(line.split()[1]) / 1024
        except (OSError, ProcessLookupError):
            continue
    return found


def signed_in(base: str) -> tuple[str, str]:
    """A page cookie header and an API bearer header for the demo physician."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        client.get("/login")
        client.post(
            "/login",
            data={
                "username": "physician",
                "password": PASSWORD,
                "csrf_token": client.cookies.get("sclero_csrf", ""),
            },
        )
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        token = client.post(
            "/api/v1/auth/token", data={"username": "physician", "password": PASSWORD}
        ).json()["access_token"]
    return cookie, f"Bearer {token}"


def patient_ids(env: dict[str, str], how_many: int = 500) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["SCLERO_DATABASE_URL"].split("?")[0])
    with engine.connect() as connection:
        top = int(connection.execute(text("SELECT max(id) FROM patients")).scalar_one())
    engine.dispose()
    rng = random.Random(7)
    return [rng.randint(1, top) for _ in range(how_many)]


def lua_paths(paths: list[str], headers: dict[str, str]) -> str:
    """A wrk script that GETs the given paths in turn, with fixed headers."""
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    lines.append("local paths = {" + ",".join(f'"{p}"' for p in paths) + "}")
    lines.append("local i = 0")
    lines.append("request = function() i = i % #paths + 1; return wrk.format('GET', paths[i]) end")
    return "\n".join(lines) + REPORT


def lua_mixed(ids: list[int], cookie: str, bearer: str) -> str:
    """Reads, API writes, 404s and wrong-password sign-ins, interleaved."""
    new_patient = json.dumps(
        {"first_name": "Load", "last_name": "Test", "birth_date": "1980-05-05", "sex": "female"}
    ).replace('"', '\\"')
    return (
        "\n".join(
            [
                "local ids = {" + ",".join(map(str, ids)) + "}",
                "local i = 0",
                "request = function()",
                "  i = i + 1",
                "  local id = ids[i % #ids + 1]",
                "  local k = i % 10",
                f'  local page = {{["Cookie"] = "{cookie}"}}',
                f'  local api = {{["Authorization"] = "{bearer}"}}',
                "  if k < 4 then return wrk.format('GET', '/patients/' .. id, page) end",
                "  if k < 6 then return wrk.format('GET', '/api/v1/patients/' .. id, api) end",
                "  if k == 6 then return wrk.format('GET', '/api/v1/patients/999999999', api) end",
                "  if k == 7 then",
                '    local h = {["Authorization"] = api["Authorization"],'
                ' ["Content-Type"] = "application/json"}',
                f"    return wrk.format('POST', '/api/v1/patients', h, \"{new_patient}\")",
                "  end",
                "  if k == 8 then",
                '    local h = {["Content-Type"] = "application/x-www-form-urlencoded"}',
                "    return wrk.format('POST', '/api/v1/auth/token', h,"
                " 'username=nurse&password=wrong-' .. i)",
                "  end",
                "  return wrk.format('GET', '/today', page)",
                "end",
                # 401 (wrong password), 404 (no such patient) and 429 (throttled) are expected.
                "response = function(status, headers, body)",
                "  if status >= 500 then server_errors = server_errors + 1 end",
                "end",
            ]
        )
        + REPORT
    )


def phases(ids: list[int], cookie: str, bearer: str) -> list[Phase]:
    page = {"Cookie": cookie}
    api = {"Authorization": bearer}
    return [
        Phase("chart", lua_paths([f"/patients/{i}" for i in ids], page)),
        Phase("today", lua_paths(["/today"], page)),
        Phase(
            "search", lua_paths(["/patients?q=mann", "/patients?q=ber", "/patients?q=sch"], page)
        ),
        Phase("api patient", lua_paths([f"/api/v1/patients/{i}" for i in ids], api)),
        Phase("week calendar", lua_paths(["/calendar?view=week"], page)),
        Phase("mixed", lua_mixed(ids, cookie, bearer)),
    ]


def run_wrk(base: str, script: str, clients: int, seconds: int) -> dict[str, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    threads = max(1, min(clients, 2))
    completed = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            handle.name,
            base,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    Path(handle.name).unlink()
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line.removeprefix("RESULT ")))


def measure(name: str, base: str, script: str, clients: int, seconds: int, pid: int) -> Result:
    raw = run_wrk(base, script, clients, seconds)
    # In the mixed phase 401/404/429 are expected answers and only a 5xx is an error;
    # elsewhere every answer that is not 2xx/3xx is one.
    bad = raw["server_errors"] if name == "mixed" else raw["bad_status"]
    return Result(
        phase=name,
        clients=clients,
        rps=raw["requests"] / (raw["us"] / 1e6),
        p50_ms=raw["p50"] / 1000,
        p95_ms=raw["p95"] / 1000,
        p99_ms=raw["p99"] / 1000,
        errors=raw["socket_errors"] + bad,
        rss_mb=rss_mb(pid),
    )


def bare_baseline(workers: int, clients: list[int], seconds: int) -> dict[int, Result]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bare_app:app",
        "--app-dir",
        "benchmarks",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
        "--http",  # the protocol `sclero serve` uses (TCP_NODELAY on: sclero/web/transport.py)
        NODELAY_HTTP,
        "--loop",  # and its event loop
        EVENT_LOOP,
    ]
    base = f"http://127.0.0.1:{port}"
    with server(command, dict(os.environ), port) as (pid, _):
        script = lua_paths(["/"], {})
        return {c: measure("bare", base, script, c, seconds, pid) for c in clients}


@dataclass
class Round:
    rss_mb: float
    worker_mb: float
    pauses_ms: list[tuple[int, int]]


def run_database(database: str, args: argparse.Namespace) -> tuple[list[Result], list[Round]]:
    """The first round's results per route, and memory and pauses after every round."""
    env = {**clinic_env(database, args.patients), "SCLERO_GC_PAUSE_WARN_MS": str(args.pause_ms)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: list[Result] = []
    rounds: list[Round] = []
    with server(_serve_command(args.workers, port), env, port) as (pid, log):
        cookie, bearer = signed_in(base)
        ids = patient_ids(env)
        for number in range(1, args.rounds + 1):
            for phase in phases(ids, cookie, bearer):
                for clients in args.clients:
                    r = measure(phase.name, base, phase.script, clients, args.seconds, pid)
                    if number == 1:
                        results.append(r)
                    console.print(
                        f"  {database} round {number} {phase.name} c={clients}: "
                        f"{r.rps:.0f} req/s, p95 {r.p95_ms:.1f} ms, {r.errors} errors"
                    )
            before = sum(len(r.pauses_ms) for r in rounds)
            rounds.append(Round(rss_mb(pid), largest_worker_mb(pid), logged_pauses(log)[before:]))
            console.print(
                f"  {database}: server RSS after round {number} {rounds[-1].rss_mb:.0f} MB "
                f"(largest worker {rounds[-1].worker_mb:.0f} MB)"
            )
    return results, rounds


def show_rounds(database: str, rounds: list[Round], pause_ms: int) -> None:
    table = Table(title=f"{database}: server memory and collector pauses, round by round")
    columns = ["round", "RSS MB", "largest worker MB", f"pauses ≥ {pause_ms} ms", "> 50 ms"]
    columns += ["longest ms", "its CPU ms", "most CPU ms"]
    for column in columns:
        table.add_column(column, justify="right")
    for number, r in enumerate(rounds, 1):
        longest = max(r.pauses_ms, default=(0, 0))
        table.add_row(
            str(number),
            f"{r.rss_mb:.0f}",
            f"{r.worker_mb:.0f}",
            str(len(r.pauses_ms)),
            str(sum(1 for wall, _ in r.pauses_ms if wall > 50)),
            str(longest[0]),
            str(longest[1]),
            str(max((cpu for _, cpu in r.pauses_ms), default=0)),  # the collector's own work
        )
    console.print(table)


def show(database: str, results: list[Result], bare: dict[int, Result]) -> None:
    table = Table(title=f"{database}: the real server against a bare FastAPI app (same run)")
    for column in (
        "route",
        "clients",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "RSS MB",
        "× bare req/s",
    ):
        table.add_column(column, justify="left" if column == "route" else "right")
    for r in [*bare.values(), *results]:
        ratio = r.rps / bare[r.clients].rps if r.clients in bare else float("nan")
        table.add_row(
            r.phase,
            str(r.clients),
            f"{r.rps:.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.errors),
            f"{r.rss_mb:.0f}",
            f"{ratio:.2f}",
        )
    console.print(table)


def plot(path: Path, everything: dict[str, list[Result]], bare: dict[int, Result]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(everything), figsize=(6 * len(everything), 4.5))
    axes_list = axes if len(everything) > 1 else [axes]
    for ax, (database, results) in zip(axes_list, everything.items(), strict=True):
        for name in dict.fromkeys(r.phase for r in results):
            rows = [r for r in results if r.phase == name]
            ax.plot([r.clients for r in rows], [r.p95_ms for r in rows], marker="o", label=name)
        ax.plot(list(bare), [r.p95_ms for r in bare.values()], "k--", label="bare FastAPI")
        ax.set(title=f"{database}: p95 latency", xlabel="concurrent clients", ylabel="p95 (ms)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    console.print(f"Plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--plot", type=Path, default=ROOT / "benchmarks/results/load.png")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the phases (memory growth)")
    parser.add_argument("--pause-ms", type=int, default=10, help="log collector pauses this long")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    bare = bare_baseline(args.workers, args.clients, args.seconds)
    measured = {database: run_database(database, args) for database in databases}
    for database, (results, rounds) in measured.items():
        show(database, results, bare)
        show_rounds(database, rounds, args.pause_ms)
    plot(args.plot, {database: results for database, (results, _) in measured.items()}, bare)


if __name__ == "__main__":
    main()
