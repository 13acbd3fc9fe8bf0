"""The FHIR endpoint (/fhir): metadata, Sclero's CodeSystems, a patient's $everything Bundle.
Bearer tokens as for the JSON API; patient data for clinicians only; errors: OperationOutcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sclero.core.auth import Role
from sclero.exchange.capability import capability_statement
from sclero.exchange.codes import CANONICAL, SYSTEMS, code_system_resource
from sclero.exchange.everything import everything
from sclero.exchange.outcome import fhir_response, refusal
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
