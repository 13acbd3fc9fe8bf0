"""Bulk Data export ($export, the async pattern): kick-off, status, cancel and files. The work
itself runs outside the request, in `exchange/worker.py`; jobs live in the database."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from sclero.adverse_events.models import AdverseEvent
from sclero.charting.models import TreatmentSession
from sclero.core import audit
from sclero.core.auth import CLINICAL
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, NotFound
from sclero.core.settings import Settings
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.exchange.fhir_types import instant
from sclero.exchange.models import ExportJob
from sclero.exchange.sources import RESOURCE_TYPES
from sclero.planning.models import TreatmentPlan

EXPIRES_AFTER = timedelta(hours=24)
"""Files of a finished export are served for this long, then removed."""
RETRY_AFTER_SECONDS = 2
OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Group:
    title: str
    patients: Select[Any]


GROUPS: dict[str, Group] = {
    "in-treatment": Group(
        "Patients with an approved treatment plan",
        select(TreatmentPlan.patient_id).where(TreatmentPlan.status == "approved"),
    ),
    "treated": Group(
        "Patients with at least one treatment session",
        select(TreatmentSession.patient_id),
    ),
    "open-adverse-events": Group(
        "Patients with an open adverse event",
        select(AdverseEvent.patient_id).where(AdverseEvent.status == "open"),
    ),
}
"""Sclero's built-in Groups for `Group/{id}/$export` (Sclero keeps no Group resources)."""


def export_dir(settings: Settings, job_id: str) -> Path:
    return settings.data_dir / "exports" / job_id


def patient_scope(job: ExportJob) -> Select[Any] | None:
    """Which patients a job exports: None for every patient (system and Patient level)."""
    if job.kind == "group" and job.group_id in GROUPS:
        return GROUPS[job.group_id].patients
    return None


def parse_types(raw: str | None, kind: str) -> list[str]:
    if not raw:
        compartment = [t for t in RESOURCE_TYPES if t != "Practitioner"]
        return list(RESOURCE_TYPES) if kind == "system" else compartment
    wanted = [t.strip() for t in raw.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in RESOURCE_TYPES]
    if unknown:
        names = ", ".join(repr(t[:40]) for t in unknown[:5])
        raise InvalidInput(f"_type names types Sclero does not export: {names}.", "_type")
    return list(dict.fromkeys(wanted))


def parse_since(raw: str | None) -> datetime | None:
    """`_since` as a FHIR instant (with its zone), stored as naive UTC."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            "_since must be an instant, e.g. 2026-01-31T08:00:00Z.", "_since"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput("_since needs a time zone, e.g. 2026-01-31T08:00:00Z.", "_since")
    return moment.astimezone(UTC).replace(tzinfo=None)


@use_case(*CLINICAL)
def kick_off(
    uow: UnitOfWork,
    *,
    kind: str,
    group_id: str | None,
    types: str | None,
    since: str | None,
    output_format: str | None,
    request_url: str,
    base_url: str,
) -> ExportJob:
    """Queue an export for the signed-in clinician (audited); the worker does the work."""
    if output_format and output_format not in OUTPUT_FORMATS:
        raise InvalidInput("_outputFormat must be application/fhir+ndjson.", "_outputFormat")
    if kind == "group" and group_id not in GROUPS:
        raise NotFound(f"Sclero has no Group {str(group_id)[:40]!r}; groups: {', '.join(GROUPS)}.")
    job = ExportJob(
        id=secrets.token_hex(16),
        user_id=uow.actor.user_id,
        username=uow.actor.username,
        role=uow.actor.role,
        kind=kind,
        group_id=group_id,
        types=parse_types(types, kind),
        since=parse_since(since),
        request_url=request_url[:2000],
        base_url=base_url,
        status="queued",
        attempts=0,
    )
    uow.session.add(job)
    audit.record(uow, "export_requested", "fhir_bulk", detail=_audit_detail(job))
    uow.commit()
    return job


def _audit_detail(job: ExportJob) -> dict[str, Any]:
    return {"job": job.id, "kind": job.kind, "group": job.group_id, "types": job.types}


@use_case(*CLINICAL)
def own_job(uow: UnitOfWork, job_id: str) -> ExportJob:
    """The actor's own job; another user's, or an expired one, is not found."""
    job = uow.session.get(ExportJob, job_id[:32])
    if job is None or job.user_id != uow.actor.user_id or job.status == "cancelled":
        raise NotFound("There is no such export (it may have been cancelled or expired).")
    if job.expires_at is not None and job.expires_at <= utcnow():
        raise NotFound("This export has expired; start a new one.")
    return job


def cancel(uow: UnitOfWork, job_id: str) -> None:
    """Cancel a job and remove its files (a running worker stops at its next check)."""
    job = own_job(uow, job_id)
    job.status = "cancelled"
    job.finished_at = utcnow()
    audit.record(uow, "export_cancelled", "fhir_bulk", detail={"job": job.id})
    uow.commit()
    shutil.rmtree(export_dir(uow.settings, job.id), ignore_errors=True)


def manifest(job: ExportJob) -> dict[str, Any]:
    base = job.base_url.rstrip("/")
    return {
        "transactionTime": instant(job.transaction_time),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": o["type"],
                "url": f"{base}/fhir/bulk-file/{job.id}.{o['type']}.ndjson",
                "count": o["count"],
            }
            for o in job.output or []
        ],
        "error": [],
    }


def file_of(uow: UnitOfWork, file_key: str) -> Path:
    """The NDJSON file of a finished export of the actor's own (`<job>.<Type>.ndjson`)."""
    job_id, _, rest = file_key.partition(".")
    resource_type = rest.removesuffix(".ndjson")
    job = own_job(uow, job_id)
    listed = {o["type"] for o in job.output or []}
    if job.status != "done" or resource_type not in listed:
        raise NotFound("There is no such file in this export.")
    path = export_dir(uow.settings, job.id) / f"{resource_type}.ndjson"
    if not path.is_file():
        raise NotFound("The file of this export is gone; start a new one.")
    audit.record(uow, "export", "fhir_bulk_file", detail={"job": job.id, "type": resource_type})
    return path
