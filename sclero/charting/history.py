"""A patient's past sessions as the interval check and the daily dose limit read them (helpers
for the charting service: no role check, no audit of their own)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
    """Sessions that treated something, oldest first: clinic date and treated regions (one
    grouped read of columns: the chart and every booking ask for it, so no ORM objects)."""
    rows = uow.session.execute(
        select(TreatmentSession.id, TreatmentSession.started_at, Injection.region)
        .join(Injection, Injection.session_id == TreatmentSession.id)
        .where(TreatmentSession.patient_id == patient_id, Injection.voided_at.is_(None))
        .distinct()
        .order_by(TreatmentSession.started_at, TreatmentSession.id, Injection.region)
    )
    history: list[dict[str, Any]] = []
    last_id = None
    for session_id, started_at, region in rows:
        if session_id == exclude_session_id:
            continue
        if session_id != last_id:
            history.append({"date": local_date(started_at), "regions": []})
            last_id = session_id
        history[-1]["regions"].append(region)
    return history


def as_previous_sessions(
    uow: UnitOfWork, patient_id: int, exclude_session_id: int | None = None
) -> list[PreviousSession]:
    """The same sessions as the engine's interval check takes them."""
    return [
        PreviousSession(date=s["date"], regions=s["regions"])
        for s in treated_sessions(uow, patient_id, exclude_session_id)
    ]
