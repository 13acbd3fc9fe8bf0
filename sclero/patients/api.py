"""JSON API of the patient record."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from sclero.core.schemas import Page
from sclero.patients import queries, service
from sclero.patients.models import Patient
from sclero.patients.schemas import (
    HistoryIn,
    HistoryOut,
    PatientIn,
    PatientOut,
    PatientSummary,
    PatientUpdate,
)
from sclero.web.deps import UoW, may
from sclero.web.versions import IfMatch, etag

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


@router.get("", response_model=Page[PatientSummary], dependencies=[may(service.search_patients)])
def list_patients(
    uow: UoW,
    q: Annotated[str | None, Query(max_length=100, description="name or record number")] = None,
    birth_date: date | None = None,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[PatientSummary]:
    rows, total = service.search_patients(
        uow, q=q, birth_date=birth_date, phone=phone, limit=limit, offset=offset
    )
    return Page(
        items=[PatientSummary.model_validate(p) for p in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "", response_model=PatientOut, status_code=201, dependencies=[may(service.create_patient)]
)
def create_patient(data: PatientIn, uow: UoW) -> PatientOut:
    return PatientOut.model_validate(service.create_patient(uow, data))


@router.get("/{patient_id}", response_model=PatientOut, dependencies=[may(service.get_patient)])
def get_patient(patient_id: int, uow: UoW, response: Response) -> PatientOut:
    """The patient's details; the ETag is the record's version (send it back as If-Match)."""
    patient = service.get_patient(uow, patient_id)
    etag(response, patient)
    return PatientOut.model_validate(patient)


@router.patch(
    "/{patient_id}", response_model=PatientOut, dependencies=[may(service.update_patient)]
)
def update_patient(
    patient_id: int, data: PatientUpdate, uow: UoW, version: IfMatch, response: Response
) -> PatientOut:
    """Correct the details; If-Match must carry the ETag you read (412 if someone changed the
    record since, 428 without it)."""
    patient = service.update_patient(uow, patient_id, data, version)
    etag(response, patient)
    return PatientOut.model_validate(patient)


@router.get(
    "/{patient_id}/history", response_model=HistoryOut, dependencies=[may(service.get_history)]
)
def get_history(patient_id: int, uow: UoW, response: Response) -> HistoryOut:
    """The coded history; the ETag is the record's version (send it back as If-Match)."""
    patient = service.get_history(uow, patient_id)
    etag(response, patient)
    return _history(patient)


@router.put(
    "/{patient_id}/history", response_model=HistoryOut, dependencies=[may(service.set_history)]
)
def set_history(
    patient_id: int, data: HistoryIn, uow: UoW, version: IfMatch, response: Response
) -> HistoryOut:
    """Replace the coded history; If-Match must carry the ETag you read (412 if someone changed
    the record since — their change stays — 428 without it)."""
    patient = service.set_history(uow, patient_id, data, version)
    etag(response, patient)
    return _history(patient)


def _history(patient: Patient) -> HistoryOut:
    return HistoryOut(**queries.history_codes(patient).model_dump(), version=patient.version)
