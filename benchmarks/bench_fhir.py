"""Benchmark of FHIR exchange: the Bulk Data export against raw SQL + plain JSON in the same run,
its memory, R4B validation, and the import of validated resources.

    uv run python benchmarks/bench_fhir.py [--patients 10000] [--database-url URL]

A demo clinic is generated into a fresh temporary SQLite database (or into URL, migrated first:
PostgreSQL's schema is dropped and rebuilt, so never point it at a clinic's database). Then:
1. the real export job (`exchange/worker.py`, every type, the production reader) in a child
   process, for resources/s and the child's peak RSS, at the full size and at a fifth of it
   (a Group export of about a fifth of the patients is not used: the fifth is a clinic of its own);
2. the baseline: every source table read with raw SQL (the driver's cursor) and written as
   plain JSON lines — the ratio says what FHIR mapping costs over a bare dump;
3. R4B validation (fhir.resources) of a sample of the exported resources;
4. import (`exchange/importing.py`): transaction Bundles of 1 000 entries (Patient, Condition,
   MedicationStatement, AllergyIntolerance), validated, matched and written, resources/s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sclero.core.auth import User
from sclero.core.db import Database, make_engine, upgrade_database
from sclero.core.settings import Settings
from sclero.demo.generator import generate_clinic

SOURCE_TABLES = (
    "patients", "users", "patient_history", "patient_allergies", "patient_medications",
    "vein_findings", "duplex_findings", "evaluations", "treatment_plans", "plan_items",
    "consents", "appointments", "treatment_sessions", "injections", "follow_ups",
    "region_clearances", "photos", "adverse_events",
)  # fmt: skip
"""The tables the FHIR export reads."""


def fresh_database(url: str | None, folder: Path, name: str) -> str:
    url = url or f"sqlite:///{folder / name}"
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade_database(url)
    return url


def generate(url: str, patients: int) -> float:
    started = time.perf_counter()
    engine = make_engine(url)
    with Session(engine) as session:
        generate_clinic(session, patients, seed=7, today=date(2026, 11, 23))
    engine.dispose()
    return time.perf_counter() - started


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    # VmHWM is this process's own high-water mark; ru_maxrss would also carry the parent's
    # peak from before the child was forked (Linux keeps it across exec).
    return _status_mb("VmHWM")


def _export_child(url: str, data_dir: str, queue: Any) -> None:
    """Run one full export job as the worker does; report time, counts and peak memory."""
    from sclero.core.db import Actor
    from sclero.exchange import bulk, worker

    settings = Settings(data_dir=Path(data_dir), database_url=url)
    db = Database(url, settings)
    with db.sessions() as session:
        user = session.scalar(select(User).where(User.username == "physician"))
        assert user is not None
        actor = Actor(user.id, user.username, user.role, "bench")
    with db.uow(actor) as uow:
        job = bulk.kick_off(
            uow, kind="system", group_id=None, types=None, since=None, output_format=None,
            request_url="bench", base_url="http://bench/",
        )  # fmt: skip
    rss_before = _rss_mb()
    claimed = worker.claim(db)
    assert claimed is not None
    assert claimed.id == job.id
    started = time.perf_counter()
    worker.run_job(db, claimed, worker.reader_for(db))
    seconds = time.perf_counter() - started
    with db.sessions() as session:
        done = session.get(type(claimed), job.id)
        assert done is not None
        assert done.status == "done", done.error
        output = done.output or []
    folder = bulk.export_dir(settings, job.id)
    size = sum(p.stat().st_size for p in folder.iterdir())
    queue.put({"seconds": seconds, "resources": sum(int(o["count"]) for o in output),
               "output": output, "rss_before_mb": rss_before, "rss_peak_mb": _peak_rss_mb(),
               "bytes": size, "folder": str(folder)})  # fmt: skip


def export_in_child(url: str, data_dir: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_export_child, args=(url, str(data_dir), queue))
    child.start()
    result: dict[str, Any] = queue.get()
    child.join()
    return result


def raw_sql_json(url: str, out: Path) -> tuple[float, int]:
    """Seconds and rows to read every source table with the driver's cursor and write JSON."""
    engine = make_engine(url)
    started = time.perf_counter()
    rows = 0
    connection = engine.raw_connection()
    try:
        with out.open("w", encoding="utf-8") as f:
            for table in SOURCE_TABLES:
                cursor = connection.cursor()
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
                names = [d[0] for d in cursor.description]
                while batch := cursor.fetchmany(1000):
                    for row in batch:
                        f.write(json.dumps(dict(zip(names, row, strict=True)), default=str))
                        f.write("\n")
                        rows += 1
                cursor.close()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, rows


def validation_rate(folder: Path, sample: int) -> tuple[float, int]:
    """Resources/s of fhir.resources R4B validation over a sample of every exported file."""
    from sclero.exchange.validate import validate

    files = sorted(folder.glob("*.ndjson"))
    per_file = max(1, sample // max(1, len(files)))
    resources = []
    for path in files:
        with path.open(encoding="utf-8") as f:
            for _, line in zip(range(per_file), f, strict=False):
                resources.append(json.loads(line))
    started = time.perf_counter()
    for r in resources:
        validate(r)
    return len(resources) / (time.perf_counter() - started), len(resources)


def gp_bundle(start: int, patients: int) -> dict[str, Any]:
    atc, icd = "http://www.whocc.no/atc", "http://hl7.org/fhir/sid/icd-10"
    active = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                          "code": "resolved"}]}  # fmt: skip
    entries: list[dict[str, Any]] = []
    for i in range(start, start + patients):
        url = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        ref = {"reference": url}
        entries += [
            {"fullUrl": url, "resource": {"resourceType": "Patient", "gender": "female",
             "name": [{"family": f"Import{i}", "given": ["Bench"]}], "birthDate": "1970-01-01"}},
            {"resource": {"resourceType": "Condition", "subject": ref, "clinicalStatus": active,
             "code": {"coding": [{"system": icd, "code": "I80.2"}]}}},
            {"resource": {"resourceType": "MedicationStatement", "subject": ref, "status": "active",
             "medicationCodeableConcept": {"coding": [{"system": atc, "code": "B01AF01"}]}}},
            {"resource": {"resourceType": "AllergyIntolerance", "patient": ref,
             "code": {"coding": [{"system": atc, "code": "C05BB02"}]}}},
        ]  # fmt: skip
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def import_rate(url: str, data_dir: Path, bundles: int) -> tuple[float, int]:
    from sclero.exchange.importing import import_bundle

    db = Database(url, Settings(data_dir=data_dir, database_url=url))
    with db.sessions() as session:
        user = session.scalar(select(User).where(User.username == "physician"))
        assert user is not None
        actor = user.as_actor("bench")
    documents = [gp_bundle(1_000_000 + b * 250, 250) for b in range(bundles)]
    started = time.perf_counter()
    for document in documents:
        with db.uow(actor) as uow:
            import_bundle(uow, document, bundle_types={"transaction"})
    seconds = time.perf_counter() - started
    db.engine.dispose()
    return sum(len(d["entry"]) for d in documents) / seconds, bundles * 1000


def refusal_seconds(entries: int) -> tuple[float, int]:
    """Seconds to parse and refuse a Bundle of `entries` entries (the entry limit), and its size."""
    from sclero.exchange.importing import entries_of, parse_json
    from sclero.exchange.outcome import FhirRefused

    entry = {"resource": {"resourceType": "Patient"}}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry] * entries}
    raw = json.dumps(bundle).encode()
    started = time.perf_counter()
    try:
        entries_of(parse_json(raw), {"transaction"})
    except FhirRefused:
        return time.perf_counter() - started, len(raw)
    raise AssertionError("a Bundle over the entry limit was not refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--import-bundles", type=int, default=10)
    parser.add_argument("--validate-sample", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sclero-bench-fhir-"))
    small = max(50, args.patients // 5)
    print(f"FHIR benchmark: {args.patients} patients (and {small} for the memory check)")
    runs: dict[int, dict[str, Any]] = {}
    for patients in (small, args.patients):
        url = fresh_database(args.database_url, folder, f"clinic-{patients}.db")
        print(f"  demo clinic of {patients}: generated in {generate(url, patients):.1f} s")
        runs[patients] = export_in_child(url, folder / f"data-{patients}")
        runs[patients]["url"] = url
    full = runs[args.patients]
    export_rate = full["resources"] / full["seconds"]
    base_seconds, base_rows = raw_sql_json(full["url"], folder / "baseline.jsonl")
    base_rate = base_rows / base_seconds
    v_rate, v_count = validation_rate(Path(full["folder"]), args.validate_sample)
    i_rate, i_count = import_rate(full["url"], folder / "import-data", args.import_bundles)
    mib = full["bytes"] / 2**20
    print(
        f"  bulk export ($export, every type): {full['resources']} resources in "
        f"{full['seconds']:.1f} s = {export_rate:,.0f} resources/s, {mib:.0f} MiB NDJSON"
    )
    print(
        f"  baseline raw SQL -> JSON lines:    {base_rows} rows in {base_seconds:.1f} s = "
        f"{base_rate:,.0f} rows/s"
    )
    per_row = full["resources"] / base_rows
    print(
        f"  ratio export / baseline: {export_rate / base_rate:.2f} per second; "
        f"{full['seconds'] / base_seconds:.1f}x the time, {per_row:.2f} resources per row"
    )
    for patients, run in runs.items():
        print(
            f"  memory, {patients} patients: RSS {run['rss_before_mb']:.0f} MB before the "
            f"export, peak {run['rss_peak_mb']:.0f} MB, for {run['resources']} resources "
            f"({run['bytes'] / 2**20:.0f} MiB written)"
        )
    both = 1 / (1 / export_rate + 1 / v_rate)
    print(
        f"  R4B validation: {v_rate:,.0f} resources/s ({v_count} sampled); export with "
        f"validation would run at ~{both:,.0f} resources/s"
    )
    print(f"  import (validated, matched, written): {i_count} resources, {i_rate:,.0f} resources/s")
    refused, size = refusal_seconds(100_000)
    print(
        f"  a Bundle of 100 000 entries ({size / 2**20:.1f} MiB) refused in {refused * 1000:.0f} ms"
    )
    if args.keep:
        print(f"  kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
