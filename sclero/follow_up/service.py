"""The one door to follow-up: clearance per region, satisfaction, next steps, and photos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sclero.charting import queries as charting_queries
from sclero.charting import service as charting
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, NotFound
from sclero.core.time import clinic_date, local_date
from sclero.core.use_case import use_case
from sclero.follow_up import images
from sclero.follow_up.models import FollowUp, Photo, RegionClearance
from sclero.follow_up.photo_store import MAX_BYTES, sniff_type
from sclero.follow_up.queries import load_follow_up, store
from sclero.follow_up.schemas import FollowUpIn, PhotoMeta
from sclero.patients import queries as patient_queries
from sclero.rules.vocabulary import label_of

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*CLINICAL_ROLES)
def record_follow_up(uow: UnitOfWork, patient_id: int, data: FollowUpIn) -> FollowUp:
    """Record a follow-up visit: clearance per treated region on the 0–3 scale, satisfaction."""
    patient_queries.load_patient(uow, patient_id)
    if data.performed_on > uow.today():
        raise InvalidInput("A follow-up cannot be recorded for a future date.", "performed_on")
    _require_treated(uow, patient_id, data)
    follow_up = FollowUp(
        patient_id=patient_id,
        recorded_by_id=uow.actor.user_id,
        **data.model_dump(exclude={"clearances"}),
    )
    follow_up.clearances = [RegionClearance(**c.model_dump()) for c in data.clearances]
    uow.session.add(follow_up)
    uow.session.flush()
    audit.record(uow, "create", "follow_up", follow_up.id, patient_id=patient_id)
    uow.commit()
    return follow_up


def _require_treated(uow: UnitOfWork, patient_id: int, data: FollowUpIn) -> None:
    """A follow-up comes after the session it follows, and scores only regions treated there
    (without a session: regions some session treated by that date)."""
    if data.session_id is not None:
        session = charting_queries.load_session(uow, data.session_id)
        if session.patient_id != patient_id:
            raise InvalidInput("That session belongs to another patient.", field="session_id")
        day = local_date(session.started_at)
        if data.performed_on < day:
            raise InvalidInput(
                f"The follow-up ({clinic_date(data.performed_on)}) cannot be before the session "
                f"it follows ({clinic_date(day)}).",
                "performed_on",
            )
        treated = {(i.side, i.region) for i in session.injections}
        untreated = [c for c in data.clearances if (c.side, c.region) not in treated]
    else:
        regions = {
            region
            for past in charting_queries.past_sessions(uow, patient_id)
            if past.date <= data.performed_on
            for region in past.regions
        }
        untreated = [c for c in data.clearances if c.region not in regions]
    if untreated:
        sites = ", ".join(f"{label_of(c.side)} {label_of(c.region).lower()}" for c in untreated)
        where = "that session" if data.session_id is not None else "any session before that date"
        raise InvalidInput(
            f"No clearance can be scored for a region {where} did not treat: {sites}.",
            "clearances",
        )


@use_case(*CLINICAL_ROLES)
def list_follow_ups(uow: UnitOfWork, patient_id: int) -> list[FollowUp]:
    query = (
        select(FollowUp)
        .where(FollowUp.patient_id == patient_id)
        .order_by(FollowUp.performed_on.desc(), FollowUp.id.desc())
        .options(selectinload(FollowUp.clearances))  # every listing summarises them: no N+1
    )
    return patient_queries.read_record(uow, patient_id, "follow_up", query)


@use_case(*CLINICAL_ROLES)
def add_photo(uow: UnitOfWork, patient_id: int, meta: PhotoMeta, content: bytes) -> Photo:
    """Keep a clinical photo (JPEG or PNG), decoded and re-encoded without its metadata (EXIF,
    GPS) and with a thumbnail: files on disk by hash, metadata in the database. The row is
    inserted first and the files written before the commit; a commit that fails removes the
    files this call created, so no file is left without its row nor a row without its file."""
    patient_queries.load_patient(uow, patient_id)
    if not content:
        raise InvalidInput("The photo file is empty.", field="file")
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"The photo is larger than {MAX_BYTES // 2**20} MB.", field="file")
    if sniff_type(content) is None:
        raise InvalidInput("Only JPEG or PNG photos can be kept.", field="file")
    if meta.follow_up_id is not None:
        load_follow_up(uow, meta.follow_up_id, patient_id)
    clean = images.clean(content)
    files = store()
    photo = Photo(
        patient_id=patient_id,
        sha256=images.digest(clean.content),
        thumbnail_sha256=images.digest(clean.thumbnail),
        content_type=clean.content_type,
        size_bytes=len(clean.content),
        width=clean.width,
        height=clean.height,
        uploaded_by_id=uow.actor.user_id,
        **meta.model_dump(),
    )
    uow.session.add(photo)
    uow.session.flush()
    created: list[str] = []
    try:
        for data in (clean.content, clean.thumbnail):
            digest, new = files.put_new(data)
            created += [digest] if new else []
        audit.record(uow, "create", "photo", photo.id, patient_id=patient_id)
        uow.commit()
    except BaseException:
        for digest in created:
            files.discard(digest)
        raise
    return photo


ORPHAN_GRACE_SECONDS = 15 * 60
"""How old a file no photo row names must be before a sweep removes it: far longer than any
upload takes to commit, so a sweep never races another worker's upload."""


@use_case(Role.ADMIN)
def sweep_photo_files(uow: UnitOfWork, older_than_seconds: float = ORPHAN_GRACE_SECONDS) -> int:
    """Remove the photo files no row names (left by a server killed mid-upload); audited as the
    operator's action when anything was removed. Returns how many files were removed."""
    kept = {
        digest
        for pair in uow.session.execute(select(Photo.sha256, Photo.thumbnail_sha256))
        for digest in pair
        if digest
    }
    removed = store().sweep(kept, older_than_seconds)
    if removed:
        audit.record(uow, "sweep", "photo_files", detail={"removed": removed})
    uow.commit()
    return removed


@use_case(Role.ADMIN)
def missing_photo_files(uow: UnitOfWork) -> list[int]:
    """The photos whose file or thumbnail is not on disk (there should be none)."""
    files = store()
    rows = uow.session.execute(select(Photo.id, Photo.sha256, Photo.thumbnail_sha256))
    return [
        photo_id
        for photo_id, digest, thumbnail in rows
        if not files.has(digest) or (thumbnail and not files.has(thumbnail))
    ]


@use_case(*CLINICAL_ROLES)
def list_photos(uow: UnitOfWork, patient_id: int) -> list[Photo]:
    query = select(Photo).where(Photo.patient_id == patient_id).order_by(Photo.taken_on, Photo.id)
    return patient_queries.read_record(uow, patient_id, "photo", query)


@use_case(*CLINICAL_ROLES)
def photo_content(
    uow: UnitOfWork, photo_id: int, *, thumbnail: bool = False
) -> tuple[Photo, bytes]:
    """A photo's bytes, or its thumbnail's (audited like every read of patient data). A photo
    kept before thumbnails existed serves its full image."""
    photo = uow.get(Photo, photo_id, field="photo_id")
    digest = (thumbnail and photo.thumbnail_sha256) or photo.sha256
    try:
        content = store().get(digest)
    except FileNotFoundError:
        raise NotFound("The photo's file is missing from the photo store.", "photo_id") from None
    audit.record(uow, "read", "photo", photo.id, patient_id=photo.patient_id)
    return photo, content


@dataclass(frozen=True)
class TreatedSession:
    """A session a follow-up can score, with the sites (side, region) its injections treated."""

    id: int
    started_at: datetime
    status: str
    sites: tuple[tuple[str, str], ...]


@use_case(*CLINICAL_ROLES)
def treated_sessions(uow: UnitOfWork, patient_id: int) -> list[TreatedSession]:
    """The patient's sessions that charted injections, newest first (what a follow-up scores)."""
    return [
        TreatedSession(
            s.id, s.started_at, s.status, tuple(sorted({(i.side, i.region) for i in s.injections}))
        )
        for s in charting.list_sessions(uow, patient_id)
        if s.injections
    ]
