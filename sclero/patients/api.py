"""JSON API of the patient record."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sclero.core.auth import Role
from sclero.core.schemas import Page
from sclero.patients import service
from sclero.patients.schemas import (
    HistoryIn,
    HistoryOut,
    PatientIn,
    PatientOut,
    PatientSummary,
    PatientUpdate,
)
from sclero.web.deps import UoW, allow

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])
IDENTITY = Depends(allow(Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK))
CLINICAL = Depends(allow(Role.PHYSICIAN, Role.NURSE))


@router.get("", response_model=Page[PatientSummary], dependencies=[IDENTITY])
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


@router.post("", response_model=PatientOut, status_code=201, dependencies=[IDENTITY])
def create_patient(data: PatientIn, uow: UoW) -> PatientOut:
    return PatientOut.model_validate(service.create_patient(uow, data))


@router.get("/{patient_id}", response_model=PatientOut, dependencies=[IDENTITY])
def get_patient(patient_id: int, uow: UoW) -> PatientOut:
    return PatientOut.model_validate(service.get_patient(uow, patient_id))


@router.patch("/{patient_id}", response_model=PatientOut, dependencies=[IDENTITY])
def update_patient(patient_id: int, data: PatientUpdate, uow: UoW) -> PatientOut:
    return PatientOut.model_validate(service.update_patient(uow, patient_id, data))


@router.get("/{patient_id}/history", response_model=HistoryOut, dependencies=[CLINICAL])
def get_history(patient_id: int, uow: UoW) -> HistoryOut:
    codes = service.history_codes(service.get_history(uow, patient_id))
    return HistoryOut(**codes.model_dump())


@router.put("/{patient_id}/history", response_model=HistoryOut, dependencies=[CLINICAL])
def set_history(patient_id: int, data: HistoryIn, uow: UoW) -> HistoryOut:
    codes = service.history_codes(service.set_history(uow, patient_id, data))
    return HistoryOut(**codes.model_dump())
