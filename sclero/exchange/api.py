"""The FHIR endpoint (/fhir): metadata, Sclero's CodeSystems, a patient's $everything Bundle.
Bearer tokens as for the JSON API; patient data for clinicians only; errors: OperationOutcomes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sclero.core.auth import Role
from sclero.core.errors import NotAuthenticated
from sclero.exchange.capability import capability_statement
from sclero.exchange.codes import CANONICAL, SYSTEMS, code_system_resource
from sclero.exchange.everything import everything
from sclero.exchange.importing import MAX_BODY_BYTES, import_bundle, parse_json, response_bundle
from sclero.exchange.outcome import FhirRefused, Issue, fhir_response, refusal
from sclero.exchange.sources import Context
from sclero.web.deps import UoW, allow

router = APIRouter(prefix="/fhir", tags=["fhir"])
CLINICIANS = Depends(allow(Role.PHYSICIAN, Role.NURSE))


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


@router.get("/Patient/{patient_id}/$everything", dependencies=[CLINICIANS])
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


async def bounded_body(request: Request) -> bytes:
    """The request body, refused unread past MAX_BODY_BYTES (413)."""
    declared = request.headers.get("content-length", "")
    too_big = FhirRefused(
        413, [Issue(f"The body is over {MAX_BODY_BYTES} bytes.", None, "too-costly")]
    )
    if declared.isdecimal() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("", dependencies=[Depends(bearer_only), CLINICIANS])
async def transaction(
    request: Request, uow: UoW, match: Literal["ask", "confirm", "new"] = "ask"
) -> Response:
    """Import a transaction Bundle of Patient, Condition, AllergyIntolerance and
    MedicationStatement: all or nothing; the answer lists every code it could not map."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind not in ("application/fhir+json", "application/json"):
        return refusal(415, "Send the Bundle as application/fhir+json.")
    document = parse_json(await bounded_body(request))
    result = await run_in_threadpool(
        import_bundle, uow, document, match=match, bundle_types={"transaction"}
    )
    return fhir_response(response_bundle(result, document))
