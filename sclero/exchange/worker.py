"""The Bulk Data export worker: claims queued jobs from the database and writes one NDJSON file
per resource type, streamed (memory flat). Runs as `sclero worker` or as the background thread
`sclero serve` starts. A job whose worker died (no heartbeat for STALE_AFTER) is taken up again
from the start, at most MAX_ATTEMPTS times; then it fails with its reason."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import orjson
from sqlalchemy import create_engine, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from sclero.core import audit
from sclero.core.db import Actor, Database
from sclero.core.settings import Settings, get_settings
from sclero.core.time import utcnow
from sclero.exchange.bulk import ACTIVE, EXPIRES_AFTER, export_dir, patient_scope
from sclero.exchange.fhir_types import Resource
from sclero.exchange.models import ExportJob
from sclero.exchange.sources import Context, stream_type
from sclero.exchange.validate import validate

STALE_AFTER = timedelta(seconds=60)
HEARTBEAT_EVERY = 2000  # resources between heartbeats (and checks for a cancel)
MAX_ATTEMPTS = 3
IDLE_SECONDS = 1.0
WRITE_BUFFER = 1 << 20
log = logging.getLogger("sclero.worker")
Sessions = Callable[[], Session]


class Cancelled(Exception):
    """The job was cancelled while it ran."""


def claim(db: Database) -> ExportJob | None:
    """Take the oldest queued job, or a running one whose worker went silent."""
    now = utcnow()
    with db.sessions() as session:
        candidates = session.scalars(
            select(ExportJob)
            .where(
                or_(
                    ExportJob.status == "queued",
                    (ExportJob.status == "running") & (ExportJob.heartbeat_at < now - STALE_AFTER),
                )
            )
            .order_by(ExportJob.created_at)
            .limit(5)
        ).all()
        for job in candidates:
            if job.attempts >= MAX_ATTEMPTS:
                _fail(session, job.id, f"gave up after {MAX_ATTEMPTS} attempts (worker stopped)")
                continue
            taken = session.execute(
                update(ExportJob)
                .where(ExportJob.id == job.id, ExportJob.status == job.status)
                .where(ExportJob.attempts == job.attempts)
                .values(
                    status="running",
                    attempts=job.attempts + 1,
                    heartbeat_at=now,
                    transaction_time=now,
                    progress="starting",
                )
            )
            session.commit()
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return session.get(ExportJob, job.id, populate_existing=True)
    return None


def _fail(session: Session, job_id: str, reason: str) -> None:
    session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id)
        .values(status="failed", error=reason[:2000], finished_at=utcnow())
    )
    session.commit()


def _beat(db: Database, job_id: str, progress: str) -> None:
    """Record progress and liveness; stop if the job was cancelled meanwhile."""
    with db.sessions() as session:
        changed = session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status == "running")
            .values(heartbeat_at=utcnow(), progress=progress[:120])
        )
        session.commit()
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Cancelled(job_id)


def _settings(db: Database) -> Settings:
    return db.settings or get_settings()


def reader_for(db: Database) -> Sessions:
    """Sessions that read an export without holding up the clinic: on SQLite the driver's own
    deferred transactions (the app's engine begins IMMEDIATE, a write lock, which a read of
    minutes must not hold); on PostgreSQL one REPEATABLE READ snapshot for the whole job."""
    if db.engine.dialect.name == "sqlite":
        engine = create_engine(db.url, connect_args={"check_same_thread": False})
        return sessionmaker(engine)
    return sessionmaker(db.engine.execution_options(isolation_level="REPEATABLE READ"))


def _validated(resource: Resource) -> bytes:
    """The resource as fhir.resources R4B validates and writes it (FhirInvalid if it is not
    valid): the slow, checked path; the fast one writes Sclero's own JSON, which equals it."""
    return validate(resource).model_dump_json().encode()


def _write_type(
    db: Database,
    session: Session,
    job: ExportJob,
    resource_type: str,
    folder: Path,
    validated: bool = False,
) -> int:
    """One NDJSON file, streamed from the database to disk; the number of resources."""
    part = folder / f"{resource_type}.ndjson.part"
    count = 0
    ctx = Context(base_url=job.base_url)
    # orjson: compact UTF-8, the same bytes as json.dumps(separators=(",", ":"),
    # ensure_ascii=False) for these resources, in a third of the time (benchmarks/bench_fhir.py)
    line = _validated if validated else orjson.dumps
    with part.open("wb", buffering=WRITE_BUFFER) as out:
        rows = stream_type(session, resource_type, patient_scope(job), job.since, ctx)
        for resource in rows:
            out.write(line(resource))
            out.write(b"\n")
            count += 1
            if count % HEARTBEAT_EVERY == 0:
                _beat(db, job.id, f"{resource_type}: {count} resources")
    if count:
        part.rename(folder / f"{resource_type}.ndjson")
    else:
        part.unlink()
    return count


def run_job(
    db: Database, job: ExportJob, reader: Sessions | None = None, validated: bool = False
) -> None:
    """Write every requested type, then the manifest's outputs; audit who exported what.
    `validated`: every resource is validated with R4B and written as its model writes it
    (several times slower; a resource that is not valid fails the job, naming the field)."""
    folder = export_dir(_settings(db), job.id)
    shutil.rmtree(folder, ignore_errors=True)  # a resumed job starts again from nothing
    folder.mkdir(parents=True, exist_ok=True)
    output = []
    try:
        with (reader or db.sessions)() as session:
            for resource_type in job.types:
                _beat(db, job.id, f"{resource_type}: starting")
                count = _write_type(db, session, job, resource_type, folder, validated)
                if count:
                    output.append({"type": resource_type, "count": count})
    except (Cancelled, FileNotFoundError):
        shutil.rmtree(folder, ignore_errors=True)
        return
    _finish(db, job, output)


def _finish(db: Database, job: ExportJob, output: list[dict[str, object]]) -> None:
    actor = Actor(job.user_id, job.username, job.role, "worker")
    with db.uow(actor) as uow:
        done = uow.session.execute(
            update(ExportJob)
            .where(ExportJob.id == job.id, ExportJob.status == "running")
            .values(status="done", output=output, finished_at=utcnow(),
                    expires_at=utcnow() + EXPIRES_AFTER, progress="done")
        )  # fmt: skip
        counts = {str(o["type"]): o["count"] for o in output}
        scope = job.group_id or "all patients"
        audit.record(uow, "exported", "fhir_bulk", detail={"job": job.id, "kind": job.kind,
                     "patients": scope, "types": counts})  # fmt: skip
        uow.commit()
    if done.rowcount != 1:  # type: ignore[attr-defined]
        shutil.rmtree(export_dir(_settings(db), job.id), ignore_errors=True)


def sweep(db: Database) -> int:
    """Remove the files of expired and cancelled exports; how many folders went."""
    root = _settings(db).data_dir / "exports"
    if not root.is_dir():
        return 0
    with db.sessions() as session:
        live = set(
            session.scalars(
                select(ExportJob.id).where(
                    or_(ExportJob.status.in_(ACTIVE), ExportJob.expires_at > utcnow())
                )
            )
        )
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in live:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def run_once(db: Database, reader: Sessions | None = None, validated: bool = False) -> bool:
    """Claim and run one job; False when there was none."""
    job = claim(db)
    if job is None:
        return False
    try:
        run_job(db, job, reader, validated)
    except Exception as error:  # the job fails with its reason; the worker goes on
        log.exception("export %s failed", job.id)
        with db.sessions() as session:
            _fail(session, job.id, f"{type(error).__name__}: {error}")
    return True


def run_forever(
    db: Database, stop: threading.Event, reader: Sessions | None = None, validated: bool = False
) -> None:
    """Work until `stop` is set: jobs as they come, expired files swept now and then."""
    idle = 0
    while not stop.is_set():
        if run_once(db, reader, validated):
            continue
        idle += 1
        if idle % 300 == 1:
            sweep(db)
        stop.wait(IDLE_SECONDS)


def start_thread(db: Database, reader: Sessions | None = None) -> threading.Event:
    """The background worker of `sclero serve`: a daemon thread for the server's lifetime."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(db, stop, reader), name="sclero-export-worker", daemon=True
    )
    thread.start()
    return stop
