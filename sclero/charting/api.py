"""JSON API of session charting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sclero.charting import service
from sclero.charting.schemas import (
    ChartedInjection,
    InjectionCorrection,
    InjectionIn,
    InjectionOut,
    InjectionVoid,
    SessionClose,
    SessionOut,
    SessionStart,
)
from sclero.web.deps import UoW, may

router = APIRouter(prefix="/api/v1", tags=["charting"])


@router.post(
    "/patients/{patient_id}/sessions",
    response_model=SessionOut,
    status_code=201,
    dependencies=[may(service.start_session)],
)
def start_session(patient_id: int, data: SessionStart, uow: UoW) -> SessionOut:
    return SessionOut.model_validate(service.start_session(uow, patient_id, data))


@router.get(
    "/patients/{patient_id}/sessions",
    response_model=list[SessionOut],
    dependencies=[may(service.list_sessions)],
)
def list_sessions(patient_id: int, uow: UoW) -> list[SessionOut]:
    return [SessionOut.model_validate(s) for s in service.list_sessions(uow, patient_id)]


@router.get(
    "/sessions/{session_id}", response_model=SessionOut, dependencies=[may(service.get_session)]
)
def get_session(session_id: int, uow: UoW) -> SessionOut:
    return SessionOut.model_validate(service.get_session(uow, session_id))


@router.post(
    "/sessions/{session_id}/injections",
    response_model=ChartedInjection,
    status_code=201,
    dependencies=[may(service.add_injection)],
)
def add_injection(session_id: int, data: InjectionIn, uow: UoW) -> ChartedInjection:
    """Chart an injection; 409 with given/limit/remaining when it would break a limit."""
    injection, precautions = service.add_injection(uow, session_id, data)
    return ChartedInjection(
        **InjectionOut.model_validate(injection).model_dump(), precautions=precautions
    )


@router.post(
    "/injections/{injection_id}/void",
    response_model=InjectionOut,
    dependencies=[may(service.void_injection)],
)
def void_injection(injection_id: int, data: InjectionVoid, uow: UoW) -> InjectionOut:
    """Void a charting error with a reason; it stays in the record and no longer counts."""
    return InjectionOut.model_validate(service.void_injection(uow, injection_id, data))


@router.post(
    "/injections/{injection_id}/correct",
    response_model=ChartedInjection,
    status_code=201,
    dependencies=[may(service.correct_injection)],
)
def correct_injection(injection_id: int, data: InjectionCorrection, uow: UoW) -> ChartedInjection:
    """Correct an injection: the original is voided with the reason, the correction charted
    under the same guard (409 as for a new injection); only the changed fields are sent."""
    injection, precautions = service.correct_injection(uow, injection_id, data)
    return ChartedInjection(
        **InjectionOut.model_validate(injection).model_dump(), precautions=precautions
    )


@router.get("/sessions/{session_id}/tally", dependencies=[may(service.tally)])
def tally(session_id: int, uow: UoW) -> dict[str, Any]:
    return service.tally(uow, session_id)


@router.post(
    "/sessions/{session_id}/close",
    response_model=SessionOut,
    dependencies=[may(service.close_session)],
)
def close_session(session_id: int, data: SessionClose, uow: UoW) -> SessionOut:
    return SessionOut.model_validate(service.close_session(uow, session_id, data))
