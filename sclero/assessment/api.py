"""JSON API of the vein assessment."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sclero.assessment import service
from sclero.assessment.schemas import DuplexIn, DuplexOut, FindingIn, FindingOut
from sclero.web.deps import UoW, may
from sclero.web.versions import IfMatch, etag

router = APIRouter(prefix="/api/v1", tags=["assessment"])


@router.get(
    "/patients/{patient_id}/findings",
    response_model=list[FindingOut],
    dependencies=[may(service.list_findings)],
)
def list_findings(patient_id: int, uow: UoW, include_retired: bool = False) -> list[FindingOut]:
    rows = service.list_findings(uow, patient_id, include_retired)
    return [FindingOut.model_validate(f) for f in rows]


@router.post(
    "/patients/{patient_id}/findings",
    response_model=FindingOut,
    status_code=201,
    dependencies=[may(service.add_finding)],
)
def add_finding(patient_id: int, data: FindingIn, uow: UoW) -> FindingOut:
    return FindingOut.model_validate(service.add_finding(uow, patient_id, data))


@router.put(
    "/findings/{finding_id}", response_model=FindingOut, dependencies=[may(service.update_finding)]
)
def update_finding(
    finding_id: int, data: FindingIn, uow: UoW, version: IfMatch, response: Response
) -> FindingOut:
    """Correct a finding; If-Match carries its `version` as you read it (412 when stale)."""
    finding = service.update_finding(uow, finding_id, data, version)
    etag(response, finding)
    return FindingOut.model_validate(finding)


@router.delete(
    "/findings/{finding_id}", response_model=FindingOut, dependencies=[may(service.retire_finding)]
)
def retire_finding(finding_id: int, uow: UoW, version: IfMatch, response: Response) -> FindingOut:
    """Retire a finding (resolved or entered in error); it stays in the record. If-Match
    carries its `version` as you read it (412 when stale)."""
    finding = service.retire_finding(uow, finding_id, version)
    etag(response, finding)
    return FindingOut.model_validate(finding)


@router.get(
    "/patients/{patient_id}/duplex",
    response_model=list[DuplexOut],
    dependencies=[may(service.list_duplex)],
)
def list_duplex(patient_id: int, uow: UoW) -> list[DuplexOut]:
    return [DuplexOut.model_validate(d) for d in service.list_duplex(uow, patient_id)]


@router.post(
    "/patients/{patient_id}/duplex",
    response_model=DuplexOut,
    status_code=201,
    dependencies=[may(service.add_duplex)],
)
def add_duplex(patient_id: int, data: DuplexIn, uow: UoW) -> DuplexOut:
    return DuplexOut.model_validate(service.add_duplex(uow, patient_id, data))
