"""JSON API of follow-up visits and clinical photos."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from sclero.core.auth import Role
from sclero.core.errors import InvalidInput
from sclero.follow_up import service
from sclero.follow_up.schemas import FollowUpIn, FollowUpOut, PhotoMeta, PhotoOut
from sclero.web.deps import UoW, allow
from sclero.web.errors import field_of, readable

router = APIRouter(prefix="/api/v1", tags=["follow-up"])
CLINICAL = Depends(allow(Role.PHYSICIAN, Role.NURSE))


@router.post(
    "/patients/{patient_id}/follow-ups",
    response_model=FollowUpOut,
    status_code=201,
    dependencies=[CLINICAL],
)
def record_follow_up(patient_id: int, data: FollowUpIn, uow: UoW) -> FollowUpOut:
    return FollowUpOut.model_validate(service.record_follow_up(uow, patient_id, data))


@router.get(
    "/patients/{patient_id}/follow-ups", response_model=list[FollowUpOut], dependencies=[CLINICAL]
)
def list_follow_ups(patient_id: int, uow: UoW) -> list[FollowUpOut]:
    return [FollowUpOut.model_validate(f) for f in service.list_follow_ups(uow, patient_id)]


@router.post(
    "/patients/{patient_id}/photos",
    response_model=PhotoOut,
    status_code=201,
    dependencies=[CLINICAL],
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
    return PhotoOut.model_validate(service.add_photo(uow, patient_id, meta, content))


@router.get("/patients/{patient_id}/photos", response_model=list[PhotoOut], dependencies=[CLINICAL])
def list_photos(patient_id: int, uow: UoW) -> list[PhotoOut]:
    return [PhotoOut.model_validate(p) for p in service.list_photos(uow, patient_id)]


@router.get("/photos/{photo_id}", dependencies=[CLINICAL])
def photo(photo_id: int, uow: UoW) -> Response:
    meta, content = service.photo_content(uow, photo_id)
    return Response(
        content, media_type=meta.content_type, headers={"Cache-Control": "private, no-store"}
    )
