"""Crash soak: the real server on SQLite, killed with SIGKILL at random moments while a client
registers patients; after every restart each acknowledged patient (201 answered) must be there,
`PRAGMA integrity_check` must say ok and the audit chain must verify.

    uv run python benchmarks/soak_crash.py [--cycles 8] [--seed 1]     (make soak)

Prints one line per cycle and a summary; exits 1 on any lost write or damaged database.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine

from sclero.core.audit import verify_chain

PASSWORD = "harbour-lantern-violet-77"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "sclero.cli", "serve", "--no-demo", "--no-export-worker",
               "--workers", "1", "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def writer(base: str, token: str, acknowledged: list[str], stop: threading.Event) -> None:
    """Register patients until the server dies; keep the record number of each 201."""
    headers = {"Authorization": f"Bearer {token}"}
    index = 0
    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
        while not stop.is_set():
            body = {
                "first_name": f"Soak{index}", "last_name": f"Writer{len(acknowledged)}",
                "birth_date": "1975-05-05", "sex": "female", "confirm_not_duplicate": True,
            }  # fmt: skip
            index += 1
            try:
                answer = client.post("/api/v1/patients", json=body)
            except httpx.TransportError:
                return
            if answer.status_code == 201:
                acknowledged.append(answer.json()["mrn"])


def check(database: Path, acknowledged: list[str]) -> tuple[int, str, bool]:
    """(acknowledged rows missing, integrity_check answer, audit chain intact)."""
    connection = sqlite3.connect(database)
    stored = {row[0] for row in connection.execute("SELECT mrn FROM patients")}
    integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    connection.close()
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as link:
        _checked, broken = verify_chain(link)
    engine.dispose()
    return len(set(acknowledged) - stored), integrity, broken is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data = Path(tempfile.mkdtemp(prefix="sclero-soak-"))
    env = {**os.environ, "SCLERO_DATA_DIR": str(data), "SCLERO_DATABASE_URL": ""}
    env.pop("SCLERO_SECRET_KEY", None)
    subprocess.run([sys.executable, "-m", "sclero.cli", "db", "upgrade"], env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "sclero.cli", "users", "create", "soak", "--role", "front_desk",
         "--password", PASSWORD], env=env, check=True, capture_output=True,
    )  # fmt: skip
    acknowledged: list[str] = []
    failures = 0
    for cycle in range(1, args.cycles + 1):
        port = free_port()
        server = start(env, port)
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "soak", "password": PASSWORD}
        ).json()["access_token"]
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(base, token, acknowledged, stop))
        thread.start()
        time.sleep(rng.uniform(0.5, 3.0))
        server.send_signal(signal.SIGKILL)  # mid-write: no shutdown, no flush
        server.wait()
        stop.set()
        thread.join()
        missing, integrity, chain = check(data / "sclero.db", acknowledged)
        failures += missing > 0 or integrity != "ok" or not chain
        print(f"cycle {cycle}: {len(acknowledged)} acknowledged in all, {missing} missing, "
              f"integrity {integrity}, audit chain {'intact' if chain else 'BROKEN'}")  # fmt: skip
    print(f"{args.cycles} SIGKILL cycles, {len(acknowledged)} acknowledged writes, "
          f"{'no losses' if not failures else f'{failures} bad cycles'}")  # fmt: skip
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
