"""Crash soak: the real server on SQLite, killed with SIGKILL at random moments while one client
registers patients and another uploads clinical photos; after every kill each acknowledged
patient and photo (201 answered) must be there, `PRAGMA integrity_check` must say ok, the audit
chain must verify, and `sclero photos sweep` must find every photo's files and leave no file that
no photo names (a kill between a photo's file and its commit leaves one: the sweep removes it).

    uv run python benchmarks/soak_crash.py [--cycles 8] [--seed 1]     (make soak)

Prints one line per cycle and a summary; exits 1 on any lost write or damaged database.
"""

from __future__ import annotations

import argparse
import io
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
from PIL import Image
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


def photo_writer(
    base: str, token: str, patient_id: int, acknowledged: list[int], stop: threading.Event
) -> None:
    """Upload small, different photos until the server dies; keep the id of each 201."""
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(len(acknowledged))
    url = f"/api/v1/patients/{patient_id}/photos"
    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
        while not stop.is_set():
            colour = tuple(rng.randrange(256) for _ in range(3))
            picture = io.BytesIO()
            Image.new("RGB", (64 + rng.randrange(64), 48), colour).save(picture, "PNG")
            form = {"side": "left", "region": "leg_medial", "taken_on": "2026-01-05"}
            files = {"file": ("soak.png", picture.getvalue(), "image/png")}
            try:
                answer = client.post(url, data=form, files=files)
            except httpx.TransportError:
                return
            if answer.status_code == 201:
                acknowledged.append(answer.json()["id"])


def photos_after_kill(
    env: dict[str, str], database: Path, photos: Path, acknowledged: list[int]
) -> tuple[int, int, int, bool]:
    """(acknowledged photos missing, files no photo names before the sweep, after it, whether
    the sweep found every photo's files) — the server is down, so a sweep of any age is safe."""
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT id, sha256, thumbnail_sha256 FROM photos").fetchall()
    connection.close()
    named = {digest for _id, *digests in rows for digest in digests if digest}
    missing = len(set(acknowledged) - {row[0] for row in rows})
    before = sum(1 for f in photos.glob("*/*") if f.is_file() and f.name not in named)
    sweep = subprocess.run(
        [sys.executable, "-m", "sclero.cli", "photos", "sweep", "--older-than", "0"],
        env=env, capture_output=True,
    )  # fmt: skip
    after = sum(1 for f in photos.glob("*/*") if f.is_file() and f.name not in named)
    return missing, before, after, sweep.returncode == 0


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


def sign_in(base: str, username: str) -> str:
    answer = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    return str(answer.json()["access_token"])


def first_patient(base: str, token: str) -> int:
    """The patient the photos are of (registered once, by the front desk)."""
    body = {"first_name": "Photo", "last_name": "Soak", "birth_date": "1970-01-02",
            "sex": "female", "confirm_not_duplicate": True}  # fmt: skip
    answer = httpx.post(
        f"{base}/api/v1/patients", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return int(answer.json()["id"])


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
    subprocess.run(
        [sys.executable, "-m", "sclero.cli", "users", "create", "soaknurse", "--role", "nurse",
         "--password", PASSWORD], env=env, check=True, capture_output=True,
    )  # fmt: skip
    acknowledged: list[str] = []
    photos_acknowledged: list[int] = []
    patient_id: int | None = None
    orphans_swept = 0
    failures = 0
    for cycle in range(1, args.cycles + 1):
        port = free_port()
        server = start(env, port)
        base = f"http://127.0.0.1:{port}"
        token, nurse = (sign_in(base, name) for name in ("soak", "soaknurse"))
        if patient_id is None:
            patient_id = first_patient(base, token)
        stop = threading.Event()
        threads = [
            threading.Thread(target=writer, args=(base, token, acknowledged, stop)),
            threading.Thread(
                target=photo_writer, args=(base, nurse, patient_id, photos_acknowledged, stop)
            ),
        ]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.5, 3.0))
        server.send_signal(signal.SIGKILL)  # mid-write: no shutdown, no flush
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()
        missing, integrity, chain = check(data / "sclero.db", acknowledged)
        lost, orphans, left, complete = photos_after_kill(
            env, data / "sclero.db", data / "photos", photos_acknowledged
        )
        orphans_swept += orphans - left
        failures += missing > 0 or integrity != "ok" or not chain
        failures += lost > 0 or left > 0 or not complete
        print(f"cycle {cycle}: {len(acknowledged)} patients and {len(photos_acknowledged)} photos "
              f"acknowledged in all, {missing} + {lost} missing, integrity {integrity}, audit "
              f"chain {'intact' if chain else 'BROKEN'}, {orphans} orphan file(s) swept, {left} "
              f"left, photo files {'complete' if complete else 'MISSING'}")  # fmt: skip
    print(f"{args.cycles} SIGKILL cycles, {len(acknowledged)} acknowledged patients and "
          f"{len(photos_acknowledged)} photos, {orphans_swept} orphan files swept, "
          f"{'no losses' if not failures else f'{failures} bad cycles'}")  # fmt: skip
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
