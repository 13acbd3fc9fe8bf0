"""JSON API of adverse events."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sclero.adverse_events import service
from sclero.adverse_events.schemas import (
    AdverseEventClose,
    AdverseEventIn,
    AdverseEventOut,
    AdverseEventReview,
    AdverseEventUpdate,
)
from sclero.web.deps import UoW, may
from sclero.web.versions import IfMatch, etag

router = APIRouter(prefix="/api/v1", tags=["adverse events"])


@router.post(
    "/patients/{patient_id}/adverse-events",
    response_model=AdverseEventOut,
    status_code=201,
    dependencies=[may(service.report)],
)
def report(patient_id: int, data: AdverseEventIn, uow: UoW) -> AdverseEventOut:
    """Report a complication; the response carries its triage (urgent_care first)."""
    return AdverseEventOut.model_validate(service.report(uow, patient_id, data))


@router.get(
    "/patients/{patient_id}/adverse-events",
    response_model=list[AdverseEventOut],
    dependencies=[may(service.list_events)],
)
def list_events(patient_id: int, uow: UoW) -> list[AdverseEventOut]:
    return [AdverseEventOut.model_validate(e) for e in service.list_events(uow, patient_id)]


@router.patch(
    "/adverse-events/{event_id}", response_model=AdverseEventOut, dependencies=[may(service.update)]
)
def update(
    event_id: int, data: AdverseEventUpdate, uow: UoW, version: IfMatch, response: Response
) -> AdverseEventOut:
    """Re-grade or add to the management; If-Match carries the event's `version` as you read it
    (412 when stale)."""
    event = service.update(uow, event_id, data, version)
    etag(response, event)
    return AdverseEventOut.model_validate(event)


@router.post(
    "/adverse-events/{event_id}/close",
    response_model=AdverseEventOut,
    dependencies=[may(service.close)],
)
def close(
    event_id: int, data: AdverseEventClose, uow: UoW, version: IfMatch, response: Response
) -> AdverseEventOut:
    """Close with the outcome; If-Match carries the event's `version` (412 when stale)."""
    event = service.close(uow, event_id, data, version)
    etag(response, event)
    return AdverseEventOut.model_validate(event)


@router.post(
    "/adverse-events/{event_id}/review",
    response_model=AdverseEventOut,
    dependencies=[may(service.review)],
)
def review(event_id: int, data: AdverseEventReview, uow: UoW) -> AdverseEventOut:
    """A physician reviews an urgent event: its hold on new sessions is lifted (audited)."""
    return AdverseEventOut.model_validate(service.review(uow, event_id, data))
