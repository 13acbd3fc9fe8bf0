"""A patient's past sessions as the interval check and the daily dose limit read them (helpers
for the charting service: no role check, no audit of their own)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sclero.charting.models import Injection, TreatmentSession
from sclero.core.db import UnitOfWork
from sclero.core.time import local_date
from sclero.rules import PreviousSession


def same_day_injections(uow: UnitOfWork, session: TreatmentSession) -> list[Injection]:
    """Every injection the patient had on this session's clinic day: the dose limit is per day.
    A voided injection was not given; a correction counts instead."""
    day = local_date(session.started_at)
    sessions = uow.session.scalars(
        select(TreatmentSession).where(TreatmentSession.patient_id == session.patient_id)
    )
    return [
        injection
        for other in sessions
        if local_date(other.started_at) == day
        for injection in other.charted
        if not injection.voided
    ]


def treated_sessions(
    uow: UnitOfWork, patient_id: int, exclude_session_id: int | None = None
) -> list[dict[str, Any]]:
    """Sessions that treated something, oldest first: clinic date and treated regions."""
    rows = uow.session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient_id)
        .order_by(TreatmentSession.started_at)
        .options(selectinload(TreatmentSession.charted))
    )
    history = []
    for session in rows:
        regions = sorted({i.region for i in session.charted if not i.voided})
        if regions and session.id != exclude_session_id:
            history.append({"date": local_date(session.started_at), "regions": regions})
    return history


def as_previous_sessions(
    uow: UnitOfWork, patient_id: int, exclude_session_id: int | None = None
) -> list[PreviousSession]:
    """The same sessions as the engine's interval check takes them."""
    return [
        PreviousSession(date=s["date"], regions=s["regions"])
        for s in treated_sessions(uow, patient_id, exclude_session_id)
    ]
