"""A patient's own outcome sheet: per treated region the sessions it received, its clearance at
each follow-up and the photos before and after, in plain words — gathered through each step's
service, so every read is role-checked and audited where it belongs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sclero.charting import service as charting
from sclero.charting.choices import SessionStatus
from sclero.core.auth import CLINICAL
from sclero.core.db import UnitOfWork
from sclero.core.use_case import use_case
from sclero.follow_up import queries as follow_up_queries
from sclero.follow_up import service as follow_up
from sclero.follow_up.queries import PhotoSite
from sclero.patients import service as patients
from sclero.planning import queries as planning_queries
from sclero.rules.vocabulary import label_of
from sclero.scheduling import service as scheduling
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus


@dataclass(frozen=True)
class Score:
    on: date
    level: int
    label: str


@dataclass
class RegionCourse:
    """One treated region: how many sessions, its clearance over time, its photos."""

    side: str
    region: str
    sessions: list[date] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    photos: PhotoSite | None = None

    @property
    def name(self) -> str:
        return f"{label_of(self.side)} {label_of(self.region).lower()}"

    def words(self, success_level: int) -> str:
        """The region's course as a sentence for the patient."""
        count = len(self.sessions)
        treated = f"Treated in {count} session{'s' if count != 1 else ''}"
        if not self.scores:
            return f"{treated}; not yet checked at a follow-up."
        last = self.scores[-1]
        cleared = " — the result the treatment aims for" if last.level >= success_level else ""
        return f"{treated}. At the last check ({last.on:%d %B %Y}): {last.label}{cleared}."


@use_case(*CLINICAL)
def build_sheet(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    """Everything the outcome sheet shows (clinical roles only)."""
    patient = patients.get_patient(uow, patient_id)
    labels = uow.protocol.clearance_labels
    scale = uow.protocol.spec.clearance_scale
    courses: dict[tuple[str, str], RegionCourse] = {}
    sessions = [s for s in charting.list_sessions(uow, patient_id) if s.injections]
    for session in sorted(sessions, key=lambda s: s.started_at):
        for site in sorted({(i.side, i.region) for i in session.injections}):
            course = courses.setdefault(site, RegionCourse(*site))
            course.sessions.append(session.started_at.date())
    for visit in sorted(follow_up.list_follow_ups(uow, patient_id), key=lambda f: f.performed_on):
        for score in visit.clearances:
            course = courses.setdefault(
                (score.side, score.region), RegionCourse(score.side, score.region)
            )
            course.scores.append(
                Score(visit.performed_on, score.level, labels.get(score.level, ""))
            )
    for photos in follow_up_queries.before_after(follow_up.list_photos(uow, patient_id)):
        area = (photos.side, photos.region)
        courses.setdefault(area, RegionCourse(*area)).photos = photos
    closed = [s for s in sessions if s.status == SessionStatus.CLOSED]
    booked = [
        a
        for a in scheduling.patient_appointments(uow, patient_id)
        if a.kind == AppointmentKind.SESSION
        and a.status == AppointmentStatus.BOOKED
        and a.starts_at >= datetime.combine(uow.today(), datetime.min.time())
    ]
    plan = planning_queries.active_plan(uow, patient_id)
    return {
        "patient": patient,
        "courses": sorted(courses.values(), key=lambda c: (c.region, c.side)),
        "sessions_received": len(closed),
        "sessions_booked": sorted(a.starts_at for a in booked),
        "expected_sessions": plan.expected_sessions if plan else None,
        "success_level": scale.success_level,
        "benchmark": scale.benchmark_percent,
        "levels": labels,
        "today": uow.today(),
    }
