"""Bulk Data export: kick-off, polling, manifest, NDJSON files (every resource validates), _type,
_since, groups, cancel, files only for whoever asked, expiry, and jobs that resume or fail
cleanly after a worker dies. The worker runs here in the test, as `sclero worker` would."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from sclero.charting.models import TreatmentSession
from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.core.time import utcnow
from sclero.exchange import worker
from sclero.exchange.bulk import export_dir
from sclero.exchange.models import ExportJob
from sclero.exchange.validate import validate
from tests.conftest import Headers
from tests.factories.web import Client

ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def kick_off(
    client: TestClient, auth: dict[str, str], url: str = "/fhir/$export", **params: str
) -> str:
    response = client.get(url, headers={**auth, **ASYNC}, params=params)
    assert response.status_code == 202, response.text
    return str(response.headers["Content-Location"])


def finished(
    client: TestClient, db: Database, auth: dict[str, str], status_url: str
) -> dict[str, Any]:
    assert worker.run_once(db)
    response = client.get(status_url, headers=auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


def download(client: TestClient, auth: dict[str, str], url: str) -> list[dict[str, Any]]:
    response = client.get(url, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def test_a_system_export_runs_outside_the_request_and_every_resource_validates(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    auth = headers["nurse"]
    status_url = kick_off(client, auth)
    waiting = client.get(status_url, headers=auth)
    assert waiting.status_code == 202
    assert waiting.headers["Retry-After"] and waiting.headers["X-Progress"].startswith("queued")
    manifest = finished(client, db, auth, status_url)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["transactionTime"].endswith("Z") and "$export" in manifest["request"]
    types = [o["type"] for o in manifest["output"]]
    assert len(types) == len(set(types)) and {"Patient", "Practitioner", "Provenance"} <= set(types)
    for item in manifest["output"]:
        resources = download(client, auth, item["url"])
        assert len(resources) == item["count"]
        for resource in resources:
            assert resource["resourceType"] == item["type"]
            validate(resource)
    patients = next(o for o in manifest["output"] if o["type"] == "Patient")
    assert patients["count"] == len(demo_clinic)
    with db.sessions() as session:
        actions = Counter(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "fhir_bulk"))
        )
        done = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "fhir_bulk", AuditEntry.action == "exported"
            )
        ).one()
    assert actions["export_requested"] == 1 and done.username == "test-nurse"
    assert done.detail is not None and done.detail["types"]["Patient"] == len(demo_clinic)


def test_type_since_and_groups_choose_what_is_exported(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    auth = headers["physician"]
    only = finished(client, db, auth, kick_off(client, auth, _type="Patient,Condition"))
    assert {o["type"] for o in only["output"]} <= {"Patient", "Condition"}
    assert any(o["type"] == "Patient" for o in only["output"])
    future = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = finished(
        client, db, auth, kick_off(client, auth, _type="Patient,Procedure", _since=future)
    )
    assert later["output"] == []
    group = finished(
        client, db, auth, kick_off(client, auth, "/fhir/Group/treated/$export", _type="Patient")
    )
    with db.sessions() as session:
        treated = session.scalar(select(func.count(func.distinct(TreatmentSession.patient_id))))
    assert group["output"] == [
        {"type": "Patient", "url": group["output"][0]["url"], "count": treated}
    ]
    per_patient = finished(client, db, auth, kick_off(client, auth, "/fhir/Patient/$export"))
    assert "Practitioner" not in {o["type"] for o in per_patient["output"]}


def test_kick_off_refusals_are_operation_outcomes(
    client: TestClient, headers: Headers, signed_in: Client, db: Database
) -> None:
    auth = headers["nurse"]
    cases = [
        ({**auth}, "/fhir/$export", {}, 400),
        ({**auth, **ASYNC}, "/fhir/$export", {"_type": "Spaceship"}, 422),
        ({**auth, **ASYNC}, "/fhir/$export", {"_since": "yesterday"}, 422),
        ({**auth, **ASYNC}, "/fhir/$export", {"_since": "2026-01-01T00:00:00"}, 422),
        ({**auth, **ASYNC}, "/fhir/$export", {"_typeFilter": "Patient?x=1"}, 400),
        ({**auth, **ASYNC}, "/fhir/$export", {"_outputFormat": "text/csv"}, 422),
        ({**auth, **ASYNC}, "/fhir/Group/everyone-ever/$export", {}, 404),
        ({**headers["front_desk"], **ASYNC}, "/fhir/$export", {}, 403),
        (ASYNC, "/fhir/$export", {}, 401),
    ]
    for sent, url, params, status in cases:
        response = client.get(url, headers=sent, params=params)
        assert response.status_code == status, (url, params, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"
    page = signed_in("nurse")  # a page session cookie cannot start an export
    assert page.get("/fhir/$export", headers=ASYNC).status_code == 401
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportJob)) == 0


def test_files_and_status_are_only_for_whoever_asked(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    status_url = kick_off(client, headers["nurse"], _type="Patient")
    manifest = finished(client, db, headers["nurse"], status_url)
    file_url = manifest["output"][0]["url"]
    for other in (headers["physician"], {}):
        assert client.get(status_url, headers=other).status_code in (401, 404)
        assert client.get(file_url, headers=other).status_code in (401, 404)
    assert client.delete(status_url, headers=headers["physician"]).status_code == 404


def test_delete_cancels_and_removes_the_files(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    auth = headers["nurse"]
    status_url = kick_off(client, auth, _type="Patient")
    manifest = finished(client, db, auth, status_url)
    job_id = status_url.rsplit("/", 1)[1]
    folder = export_dir(db.settings, job_id)  # type: ignore[arg-type]
    assert (folder / "Patient.ndjson").is_file()
    assert client.delete(status_url, headers=auth).status_code == 202
    assert not folder.exists()
    assert client.get(status_url, headers=auth).status_code == 404
    assert client.get(manifest["output"][0]["url"], headers=auth).status_code == 404
    queued = kick_off(client, auth, _type="Patient")  # cancelled before any worker took it
    assert client.delete(queued, headers=auth).status_code == 202
    assert worker.run_once(db) is False


def test_files_expire(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    auth = headers["nurse"]
    status_url = kick_off(client, auth, _type="Patient")
    manifest = finished(client, db, auth, status_url)
    job_id = status_url.rsplit("/", 1)[1]
    with db.sessions() as session:
        session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert client.get(status_url, headers=auth).status_code == 404
    assert client.get(manifest["output"][0]["url"], headers=auth).status_code == 404
    assert worker.sweep(db) >= 1
    assert not export_dir(db.settings, job_id).exists()  # type: ignore[arg-type]


def _worker_died(db: Database, job_id: str) -> None:
    """A worker claimed the job, then its process ended: the heartbeat goes stale."""
    with db.sessions() as session:
        stale = utcnow() - worker.STALE_AFTER - timedelta(seconds=1)
        session.execute(update(ExportJob).where(ExportJob.id == job_id).values(heartbeat_at=stale))
        session.commit()


def test_a_job_resumes_after_its_worker_died_and_fails_cleanly_after_three_tries(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    auth = headers["nurse"]
    status_url = kick_off(client, auth, _type="Patient")
    job_id = status_url.rsplit("/", 1)[1]
    claimed = worker.claim(db)
    assert claimed is not None and claimed.id == job_id
    assert worker.claim(db) is None  # a live worker's job is not taken twice
    running = client.get(status_url, headers=auth)
    assert running.status_code == 202 and running.headers["X-Progress"].startswith("running")
    _worker_died(db, job_id)
    manifest = finished(client, db, auth, status_url)  # a new worker takes it up again
    assert manifest["output"][0]["count"] == len(demo_clinic)
    doomed = kick_off(client, auth, _type="Patient")
    doomed_id = doomed.rsplit("/", 1)[1]
    for _ in range(worker.MAX_ATTEMPTS):
        assert worker.claim(db) is not None
        _worker_died(db, doomed_id)
    assert worker.run_once(db) is False
    failed = client.get(doomed, headers=auth)
    assert (
        failed.status_code == 422
        and "gave up after 3 attempts" in failed.json()["issue"][0]["diagnostics"]
    )
