"""What other code reads from follow-up: clearance in the scale's words, photos side by side, the
clinic's photo files (no role check, no audit, no commit)."""

from __future__ import annotations

from dataclasses import dataclass

from sclero.core.db import UnitOfWork
from sclero.core.errors import NotFound
from sclero.core.settings import get_settings
from sclero.follow_up.models import FollowUp, Photo
from sclero.follow_up.photo_store import PhotoStore


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


def load_follow_up(uow: UnitOfWork, follow_up_id: int, patient_id: int) -> FollowUp:
    follow_up = uow.session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.patient_id != patient_id:
        raise NotFound(f"This patient has no follow-up with id {follow_up_id}.", "follow_up_id")
    return follow_up


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
