"""The one door to follow-up: clearance per region, satisfaction, next steps, and photos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sclero.charting import service as charting
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput, NotFound
from sclero.core.settings import get_settings
from sclero.core.time import clinic_date, local_date
from sclero.core.use_case import use_case
from sclero.follow_up import images
from sclero.follow_up.models import FollowUp, Photo, RegionClearance
from sclero.follow_up.photo_store import MAX_BYTES, PhotoStore, sniff_type
from sclero.follow_up.schemas import FollowUpIn, PhotoMeta
from sclero.patients import service as patients
from sclero.rules.vocabulary import label_of

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*CLINICAL_ROLES)
def record_follow_up(uow: UnitOfWork, patient_id: int, data: FollowUpIn) -> FollowUp:
    """Record a follow-up visit: clearance per treated region on the 0–3 scale, satisfaction."""
    patients.load_patient(uow, patient_id)
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
        session = charting.load_session(uow, data.session_id)
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
            for past in charting.past_sessions(uow, patient_id)
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
    return patients.read_record(uow, patient_id, "follow_up", query)


@dataclass(frozen=True)
class ClearanceSummary:
    """How many of a follow-up's regions reached the protocol's success level."""

    cleared: int
    regions: int
    text: str  # "2/3 regions 75–100 % gone"


def clearance_summary(uow: UnitOfWork, follow_up: FollowUp) -> ClearanceSummary:
    """The follow-up's regions at or above the clearance scale's `success_level` (the protocol's
    clearance_scale: its sources say what counts as a success), in the scale's own words."""
    scale = uow.protocol.spec.clearance_scale
    success = uow.protocol.clearance_labels.get(scale.success_level, f"level {scale.success_level}")
    cleared = sum(1 for c in follow_up.clearances if c.level >= scale.success_level)
    regions = len(follow_up.clearances)
    noun = "region" if regions == 1 else "regions"
    return ClearanceSummary(cleared, regions, f"{cleared}/{regions} {noun} {success}")


def store() -> PhotoStore:
    return PhotoStore(get_settings().photo_dir)


@use_case(*CLINICAL_ROLES)
def add_photo(uow: UnitOfWork, patient_id: int, meta: PhotoMeta, content: bytes) -> Photo:
    """Keep a clinical photo (JPEG or PNG), decoded and re-encoded without its metadata (EXIF,
    GPS) and with a thumbnail: files on disk by hash, metadata in the database. The row is
    inserted first and the files written before the commit; a commit that fails removes the
    files this call created, so no file is left without its row nor a row without its file."""
    patients.load_patient(uow, patient_id)
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


def missing_photo_files(uow: UnitOfWork) -> list[int]:
    """The photos whose file or thumbnail is not on disk (there should be none)."""
    files = store()
    rows = uow.session.execute(select(Photo.id, Photo.sha256, Photo.thumbnail_sha256))
    return [
        photo_id
        for photo_id, digest, thumbnail in rows
        if not files.has(digest) or (thumbnail and not files.has(thumbnail))
    ]


def load_follow_up(uow: UnitOfWork, follow_up_id: int, patient_id: int) -> FollowUp:
    follow_up = uow.session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.patient_id != patient_id:
        raise NotFound(f"This patient has no follow-up with id {follow_up_id}.", "follow_up_id")
    return follow_up


@use_case(*CLINICAL_ROLES)
def list_photos(uow: UnitOfWork, patient_id: int) -> list[Photo]:
    query = select(Photo).where(Photo.patient_id == patient_id).order_by(Photo.taken_on, Photo.id)
    return patients.read_record(uow, patient_id, "photo", query)


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


@dataclass(frozen=True)
class PhotoSite:
    """The photos of one side + region: the earliest (before) and the latest (after)."""

    side: str
    region: str
    before: Photo
    after: Photo | None
    count: int


def before_after(photos: list[Photo]) -> list[PhotoSite]:
    """Group photos by side and region: earliest against latest, for a side-by-side view."""
    sites: dict[tuple[str, str], list[Photo]] = {}
    for photo in sorted(photos, key=lambda p: (p.taken_on, p.id)):
        sites.setdefault((photo.side, photo.region), []).append(photo)
    return [
        PhotoSite(side, region, group[0], group[-1] if len(group) > 1 else None, len(group))
        for (side, region), group in sorted(sites.items())
    ]
