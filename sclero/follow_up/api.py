"""JSON API of follow-up visits and clinical photos."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sclero.core.errors import InvalidInput
from sclero.follow_up import service
from sclero.follow_up.schemas import FollowUpIn, FollowUpOut, PhotoMeta, PhotoOut
from sclero.web.deps import UoW, may
from sclero.web.errors import field_of, readable

router = APIRouter(prefix="/api/v1", tags=["follow-up"])


@router.post(
    "/patients/{patient_id}/follow-ups",
    response_model=FollowUpOut,
    status_code=201,
    dependencies=[may(service.record_follow_up)],
)
def record_follow_up(patient_id: int, data: FollowUpIn, uow: UoW) -> FollowUpOut:
    return FollowUpOut.model_validate(service.record_follow_up(uow, patient_id, data))


@router.get(
    "/patients/{patient_id}/follow-ups",
    response_model=list[FollowUpOut],
    dependencies=[may(service.list_follow_ups)],
)
def list_follow_ups(patient_id: int, uow: UoW) -> list[FollowUpOut]:
    return [FollowUpOut.model_validate(f) for f in service.list_follow_ups(uow, patient_id)]


@router.post(
    "/patients/{patient_id}/photos",
    response_model=PhotoOut,
    status_code=201,
    dependencies=[may(service.add_photo)],
)
async def upload_photo(
    patient_id: int,
    uow: UoW,
    file: Annotated[UploadFile, File()],
    side: Annotated[str, Form()],
    region: Annotated[str, Form()],
    taken_on: Annotated[date, Form()],
    follow_up_id: Annotated[int | None, Form()] = None,
    caption: Annotated[str | None, Form()] = None,
) -> PhotoOut:
    try:
        meta = PhotoMeta(
            side=side, region=region, taken_on=taken_on, follow_up_id=follow_up_id, caption=caption
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(readable(dict(first)), field=field_of(first["loc"])) from None
    content = await file.read()
    # storing is database and file work: in the thread pool, off the event loop
    photo = await run_in_threadpool(service.add_photo, uow, patient_id, meta, content)
    return PhotoOut.model_validate(photo)


@router.get(
    "/patients/{patient_id}/photos",
    response_model=list[PhotoOut],
    dependencies=[may(service.list_photos)],
)
def list_photos(patient_id: int, uow: UoW) -> list[PhotoOut]:
    return [PhotoOut.model_validate(p) for p in service.list_photos(uow, patient_id)]


@router.get("/photos/{photo_id}", dependencies=[may(service.photo_content)])
def photo(photo_id: int, uow: UoW) -> Response:
    """The photo as kept: re-encoded at upload, without its metadata."""
    meta, content = service.photo_content(uow, photo_id)
    return photo_response(meta.content_type, content)


@router.get("/photos/{photo_id}/thumbnail", dependencies=[may(service.photo_content)])
def thumbnail(photo_id: int, uow: UoW) -> Response:
    """The photo made small (at most 480 pixels a side), for galleries."""
    meta, content = service.photo_content(uow, photo_id, thumbnail=True)
    return photo_response(meta.content_type, content)


def photo_response(content_type: str, content: bytes) -> Response:
    """A re-encoded image, typed by what it is, never sniffed as anything else nor cached."""
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=content_type, headers=headers)
