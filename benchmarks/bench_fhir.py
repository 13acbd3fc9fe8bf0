"""Benchmark of FHIR exchange: the Bulk Data export against raw SQL + plain JSON in the same run,
its memory, R4B validation, and the import of validated resources.

    uv run python benchmarks/bench_fhir.py [--patients 10000] [--database-url URL] [--repeat 3]
    uv run python benchmarks/bench_fhir.py --import-only --import-bundles 4   # step 4 alone

A demo clinic is generated into a fresh temporary SQLite database (or into URL, migrated first:
PostgreSQL's schema is dropped and rebuilt, so never point it at a clinic's database). Then:
1. the real export job (`exchange/worker.py`, every type, the production reader) in a child
   process, for resources/s and the child's peak RSS, at the full size and at a fifth of it
   (a Group export of about a fifth of the patients is not used: the fifth is a clinic of its own);
2. the baseline: every source table read with raw SQL (the driver's cursor) and written as
   plain JSON lines (the standard library's json, and orjson as the export writes) — the ratio
   says what FHIR mapping costs over a bare dump;
3. R4B validation (fhir.resources) of a sample of the exported resources;
4. import (`exchange/importing.py`): transaction Bundles of 1 000 entries (Patient, Condition,
   MedicationStatement, AllergyIntolerance), validated, matched and written, resources/s,
   against its baseline: the same rows inserted with plain INSERTs (executemany), rolled back.
Export and baseline, import and baseline run in turns `--repeat` times; medians are printed,
wall clock and the measuring process's CPU time (on a shared machine the CPU rate is the one
that says what one core does; PostgreSQL's own CPU is in the wall time only), with the load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from sclero.core.auth import User
from sclero.core.db import Database, make_engine, upgrade_database
from sclero.core.settings import Settings
from sclero.demo.generator import generate_clinic
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication

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


def _export_child(url: str, data_dir: str, queue: Any, keep_files: bool) -> None:
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
    started, cpu = time.perf_counter(), time.process_time()
    worker.run_job(db, claimed, worker.reader_for(db))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with db.sessions() as session:
        done = session.get(type(claimed), job.id)
        assert done is not None
        assert done.status == "done", done.error
        output = done.output or []
    folder = bulk.export_dir(settings, job.id)
    size = sum(p.stat().st_size for p in folder.iterdir())
    if keep_files is False:
        shutil.rmtree(folder, ignore_errors=True)
    queue.put({"seconds": seconds, "cpu": cpu, "resources": sum(int(o["count"]) for o in output),
               "output": output, "rss_before_mb": rss_before, "rss_peak_mb": _peak_rss_mb(),
               "bytes": size, "folder": str(folder)})  # fmt: skip


def export_in_child(url: str, data_dir: Path, keep_files: bool = True) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_export_child, args=(url, str(data_dir), queue, keep_files))
    child.start()
    result: dict[str, Any] = queue.get()
    child.join()
    return result


def _dumps_std(row: dict[str, Any]) -> bytes:
    return json.dumps(row, default=str).encode()


def _dumps_orjson(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, default=str)


def raw_sql_json(
    url: str, out: Path, dumps: Callable[[dict[str, Any]], bytes] = _dumps_std
) -> tuple[float, float, int]:
    """Seconds (wall, CPU) and rows to read every source table with the driver's cursor and
    write each row as a JSON line."""
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    connection = engine.raw_connection()
    try:
        with out.open("wb", buffering=1 << 20) as f:
            for table in SOURCE_TABLES:
                cursor = connection.cursor()
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
                names = [d[0] for d in cursor.description]
                while batch := cursor.fetchmany(1000):
                    for row in batch:
                        f.write(dumps(dict(zip(names, row, strict=True))))
                        f.write(b"\n")
                        rows += 1
                cursor.close()
    finally:
        connection.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    out.unlink()
    return seconds, cpu, rows


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


def _actor(db: Database) -> Any:
    with db.sessions() as session:
        user = session.scalar(select(User).where(User.username == "physician"))
        assert user is not None
        return user.as_actor("bench")


def import_rate(url: str, data_dir: Path, bundles: int, first: int) -> tuple[float, float, int]:
    """Seconds (wall, CPU) and resources to import `bundles` Bundles of new patients."""
    from sclero.exchange.importing import import_bundle

    db = Database(url, Settings(data_dir=data_dir, database_url=url))
    actor = _actor(db)
    documents = [gp_bundle(first + b * 250, 250) for b in range(bundles)]
    started, cpu = time.perf_counter(), time.process_time()
    for document in documents:
        with db.uow(actor) as uow:
            import_bundle(uow, document, bundle_types={"transaction"})
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.dispose()
    return seconds, cpu, sum(len(d["entry"]) for d in documents)


def raw_insert(url: str, bundles: int, first: int) -> tuple[float, float, int]:
    """The import's baseline: the rows of the same Bundles (a patient and their three coded
    rows) written with plain INSERTs, executemany per table and Bundle, then rolled back."""
    engine = make_engine(url)
    today = date(1970, 1, 1)
    started, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as connection:
        transaction = connection.begin()
        for b in range(bundles):
            start = first + b * 250
            people = [
                {"mrn": f"RAW-{i}", "first_name": "Bench", "last_name": f"Import{i}",
                 "birth_date": today, "sex": "female", "version": 1}
                for i in range(start, start + 250)
            ]  # fmt: skip
            made = connection.execute(insert(Patient).returning(Patient.id), people)
            ids = [row[0] for row in made]
            connection.execute(insert(HistoryItem), [
                {"patient_id": i, "condition": "deep_vein_thrombosis", "active": False}
                for i in ids
            ])  # fmt: skip
            connection.execute(insert(PatientMedication), [
                {"patient_id": i, "medication": "anticoagulant"} for i in ids
            ])  # fmt: skip
            connection.execute(insert(PatientAllergy), [
                {"patient_id": i, "allergen": "polidocanol"} for i in ids
            ])  # fmt: skip
        transaction.rollback()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return seconds, cpu, bundles * 1000


def refusal_seconds(entries: int) -> tuple[float, int]:
    """Seconds to parse and refuse a Bundle of `entries` entries (the entry limit), and its size."""
    from sclero.exchange.bundle_entries import entries_of, parse_json
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


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} CPUs"


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def paired_export(url: str, folder: Path, repeat: int) -> list[dict[str, float]]:
    """The export job and both baselines, in turns; rates per run."""
    runs = []
    for n in range(repeat):
        job = export_in_child(url, folder / f"data-repeat-{n}", keep_files=False)
        std = raw_sql_json(url, folder / "baseline.jsonl")
        fast = raw_sql_json(url, folder / "baseline.jsonl", _dumps_orjson)
        resources, rows = job["resources"], std[2]
        runs.append({
            "wall": resources / job["seconds"], "cpu": resources / job["cpu"],
            "std_wall": rows / std[0], "std_cpu": rows / std[1],
            "orjson_wall": rows / fast[0], "orjson_cpu": rows / fast[1],
            "ratio_std": (resources / job["seconds"]) / (rows / std[0]),
            "ratio_orjson": (resources / job["seconds"]) / (rows / fast[0]),
            "resources": resources, "rows": rows,
        })  # fmt: skip
    return runs


def paired_import(url: str, data_dir: Path, bundles: int, repeat: int) -> list[dict[str, float]]:
    runs = []
    for n in range(repeat):
        first = 1_000_000 + n * bundles * 250
        seconds, cpu, count = import_rate(url, data_dir, bundles, first)
        raw_seconds, raw_cpu, raw_count = raw_insert(url, bundles, first)
        runs.append({
            "wall": count / seconds, "cpu": count / cpu,
            "raw_wall": raw_count / raw_seconds, "raw_cpu": raw_count / raw_cpu,
            "ratio": (count / seconds) / (raw_count / raw_seconds),
        })  # fmt: skip
    return runs


def print_import(url: str, folder: Path, bundles: int, repeat: int) -> None:
    imports = paired_import(url, folder / "import-data", bundles, repeat)
    print(
        f"  import (validated, matched, written), {bundles * 1000} resources, "
        f"median of {repeat}: {_median(imports, 'wall'):,.0f} resources/s wall, "
        f"{_median(imports, 'cpu'):,.0f} per CPU second"
    )
    print(
        f"  baseline plain INSERTs of the same rows: {_median(imports, 'raw_wall'):,.0f} "
        f"resources/s wall, {_median(imports, 'raw_cpu'):,.0f} per CPU second; import / "
        f"baseline {_median(imports, 'ratio'):.2f} (median of the paired ratios)"
    )


def import_only(args: argparse.Namespace, folder: Path) -> None:
    """The import and its baseline alone, into a demo clinic of --patients."""
    print(f"FHIR import benchmark: into a clinic of {args.patients} patients")
    print(f"  at the start: {_load()}")
    url = fresh_database(args.database_url, folder, "clinic.db")
    print(f"  demo clinic of {args.patients}: generated in {generate(url, args.patients):.1f} s")
    print_import(url, folder, args.import_bundles, args.repeat)
    print(f"  at the end: {_load()}")
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--import-bundles", type=int, default=10)
    parser.add_argument("--validate-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="paired runs (medians printed)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    parser.add_argument(
        "--import-only", action="store_true", help="only the import and its baseline"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sclero-bench-fhir-"))
    if args.import_only:
        import_only(args, folder)
        return
    small = max(50, args.patients // 5)
    print(f"FHIR benchmark: {args.patients} patients (and {small} for the memory check)")
    print(f"  at the start: {_load()}")
    runs: dict[int, dict[str, Any]] = {}
    for patients in (small, args.patients):
        url = fresh_database(args.database_url, folder, f"clinic-{patients}.db")
        print(f"  demo clinic of {patients}: generated in {generate(url, patients):.1f} s")
        runs[patients] = export_in_child(url, folder / f"data-{patients}")
        runs[patients]["url"] = url
    full = runs[args.patients]
    exports = paired_export(full["url"], folder, args.repeat)
    mib = full["bytes"] / 2**20
    print(
        f"  bulk export ($export, every type), {full['resources']} resources ({mib:.0f} MiB "
        f"NDJSON), median of {args.repeat}: {_median(exports, 'wall'):,.0f} resources/s wall, "
        f"{_median(exports, 'cpu'):,.0f} per CPU second"
    )
    rows = exports[0]["rows"]
    for name, key in (("json", "std"), ("orjson", "orjson")):
        print(
            f"  baseline raw SQL -> {name:6} lines, {rows} rows: "
            f"{_median(exports, f'{key}_wall'):,.0f} rows/s wall, "
            f"{_median(exports, f'{key}_cpu'):,.0f} per CPU second; export / baseline "
            f"{_median(exports, f'ratio_{key}'):.2f} (median of the paired ratios)"
        )
    print(f"  ({full['resources'] / rows:.2f} resources per source row)")
    for patients, run in runs.items():
        print(
            f"  memory, {patients} patients: RSS {run['rss_before_mb']:.0f} MB before the "
            f"export, peak {run['rss_peak_mb']:.0f} MB, for {run['resources']} resources "
            f"({run['bytes'] / 2**20:.0f} MiB written)"
        )
    v_rate, v_count = validation_rate(Path(full["folder"]), args.validate_sample)
    both = 1 / (1 / _median(exports, "wall") + 1 / v_rate)
    print(
        f"  R4B validation: {v_rate:,.0f} resources/s ({v_count} sampled); export with "
        f"validation (sclero worker --validate) would run at ~{both:,.0f} resources/s"
    )
    print_import(full["url"], folder, args.import_bundles, args.repeat)
    refused, size = refusal_seconds(100_000)
    print(
        f"  a Bundle of 100 000 entries ({size / 2**20:.1f} MiB) refused in {refused * 1000:.0f} ms"
    )
    print(f"  at the end: {_load()}")
    if args.keep:
        print(f"  kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
