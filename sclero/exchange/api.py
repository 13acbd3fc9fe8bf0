"""The FHIR endpoint (/fhir): metadata, Sclero's CodeSystems, a patient's $everything Bundle.
Bearer tokens as for the JSON API; patient data for clinicians only; errors: OperationOutcomes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sclero.core.db import UnitOfWork
from sclero.core.errors import NotAuthenticated
from sclero.exchange import bulk
from sclero.exchange.bundle_entries import parse_json
from sclero.exchange.capability import capability_statement
from sclero.exchange.codes import CANONICAL, SYSTEMS, code_system_resource
from sclero.exchange.everything import everything
from sclero.exchange.importing import import_bundle, response_bundle
from sclero.exchange.outcome import FhirRefused, Issue, fhir_response, outcome, refusal
from sclero.exchange.sources import Context
from sclero.web.deps import UoW, may

router = APIRouter(prefix="/fhir", tags=["fhir"])


def context(request: Request) -> Context:
    return Context(base_url=str(request.base_url))


@router.get("/metadata")
def metadata(request: Request) -> Response:
    """The CapabilityStatement (public: it holds no patient data)."""
    return fhir_response(capability_statement(str(request.base_url)))


@router.get("/CodeSystem/{code_system_id}")
def code_system(code_system_id: str) -> Response:
    """One of Sclero's CodeSystems, by id (public)."""
    if code_system_id not in SYSTEMS:
        return refusal(404, f"Sclero has no CodeSystem {code_system_id[:60]!r}.")
    return fhir_response(code_system_resource(code_system_id))


@router.get("/CodeSystem")
def code_systems(url: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    """Sclero's CodeSystems as a searchset Bundle; `url` picks one by its canonical URL."""
    prefix = f"{CANONICAL}/CodeSystem/"
    ids = list(SYSTEMS)
    if url is not None:
        ids = [i for i in ids if f"{prefix}{i}" == url]
    entries = [{"resource": code_system_resource(i), "search": {"mode": "match"}} for i in ids]
    body = {"resourceType": "Bundle", "type": "searchset", "total": len(ids), "entry": entries}
    return fhir_response(body)


@router.get("/Patient/{patient_id}/$everything", dependencies=[may(everything)])
def patient_everything(request: Request, patient_id: int, uow: UoW) -> Response:
    """The patient's whole record as a Bundle (validated; the export is audited)."""
    body = everything(uow, patient_id, context(request))
    headers = None
    if request.query_params.get("_download"):
        headers = {"Content-Disposition": f'attachment; filename="patient-{patient_id}.json"'}
    return fhir_response(body, headers=headers)


def bearer_only(request: Request) -> None:
    """A change through /fhir needs a bearer token: a page session cookie alone could be sent
    by another site's form (the JSON API asks such requests for the CSRF token instead)."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise NotAuthenticated("POST /fhir takes a bearer token (POST /api/v1/auth/token).")


@router.post("", dependencies=[Depends(bearer_only), may(import_bundle)])
async def transaction(
    request: Request, uow: UoW, match: Literal["ask", "confirm", "new"] = "ask"
) -> Response:
    """Import a transaction Bundle of Patient, Condition, AllergyIntolerance and
    MedicationStatement: all or nothing; the answer lists every code it could not map."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind not in ("application/fhir+json", "application/json"):
        return refusal(415, "Send the Bundle as application/fhir+json.")
    document = parse_json(await request.body())  # bounded by the app (SCLERO_MAX_UPLOAD_BYTES)
    result = await run_in_threadpool(
        import_bundle, uow, document, match=match, bundle_types={"transaction"}
    )
    return fhir_response(response_bundle(result, document))


# Bulk Data export (HL7 FHIR Bulk Data Access, the async pattern). Bearer tokens only: the
# kick-off is a GET that starts work, which a page cookie must never do on another site's behalf.
KICK_OFF = [Depends(bearer_only), may(bulk.kick_off)]
BULK = [Depends(bearer_only), may(bulk.own_job)]
KICK_OFF_PARAMS = {"_type", "_since", "_outputFormat"}


def _kick_off(
    request: Request, uow: UnitOfWork, kind: str, group_id: str | None = None
) -> Response:
    if "respond-async" not in request.headers.get("prefer", ""):
        raise FhirRefused(400, [Issue("A bulk export needs the header Prefer: respond-async.")])
    unknown = sorted(set(request.query_params) - KICK_OFF_PARAMS)
    if unknown:
        names = ", ".join(unknown)[:80]
        message = f"Sclero does not support {names} (only _type, _since, _outputFormat)."
        raise FhirRefused(400, [Issue(message, unknown[0][:40], "not-supported")])
    params = request.query_params
    job = bulk.kick_off(
        uow,
        kind=kind,
        group_id=group_id,
        types=params.get("_type"),
        since=params.get("_since"),
        output_format=params.get("_outputFormat"),
        request_url=str(request.url),
        base_url=str(request.base_url),
    )
    status_url = f"{str(request.base_url).rstrip('/')}/fhir/bulk-status/{job.id}"
    accepted = Issue(f"Export queued; poll {status_url}.", None, "informational", "information")
    return fhir_response(outcome([accepted]), 202, {"Content-Location": status_url})


@router.get("/$export", dependencies=KICK_OFF)
def export_system(request: Request, uow: UoW) -> Response:
    """Kick off an export of every patient's record and the staff (Prefer: respond-async)."""
    return _kick_off(request, uow, "system")


@router.get("/Patient/$export", dependencies=KICK_OFF)
def export_patients(request: Request, uow: UoW) -> Response:
    """Kick off an export of every patient's compartment (Prefer: respond-async)."""
    return _kick_off(request, uow, "patient")


@router.get("/Group/{group_id}/$export", dependencies=KICK_OFF)
def export_group(request: Request, group_id: str, uow: UoW) -> Response:
    """Kick off an export of one of Sclero's built-in groups (Prefer: respond-async)."""
    return _kick_off(request, uow, "group", group_id)


@router.get("/bulk-status/{job_id}", dependencies=BULK)
def export_status(job_id: str, uow: UoW) -> Response:
    """202 with X-Progress and Retry-After while the export runs; then the manifest."""
    job = bulk.own_job(uow, job_id)
    if job.status in bulk.ACTIVE:
        headers = {
            "X-Progress": f"{job.status}: {job.progress or 'waiting for a worker'}"[:100],
            "Retry-After": str(bulk.RETRY_AFTER_SECONDS),
        }
        return Response(status_code=202, headers=headers)
    if job.status == "failed":
        return refusal(422, f"The export failed: {job.error or 'unknown reason'}.")
    expires = job.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT") if job.expires_at else ""
    return JSONResponse(bulk.manifest(job), headers={"Expires": expires})


@router.delete("/bulk-status/{job_id}", dependencies=BULK)
def export_cancel(job_id: str, uow: UoW) -> Response:
    """Cancel the export and remove its files."""
    bulk.cancel(uow, job_id)
    done = Issue("Export cancelled; its files are removed.", None, "informational", "information")
    return fhir_response(outcome([done]), 202)


@router.get("/bulk-file/{file_key}", dependencies=BULK)
def export_file(file_key: str, uow: UoW) -> Response:
    """One NDJSON file of a finished export, only to the user who asked for it."""
    path = bulk.file_of(uow, file_key)
    return FileResponse(path, media_type="application/fhir+ndjson", filename=path.name)
